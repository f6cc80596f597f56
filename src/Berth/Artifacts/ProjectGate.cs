using Berth.Api;
using Berth.Auth;

namespace Berth.Artifacts;

/// <summary>The one check in front of every project-scoped repository, artifact and tag endpoint.</summary>
/// <remarks>
/// The evaluator decides. An unknown project answers a non-administrator exactly as a forbidden one does (401 anonymous,
/// 403 signed in), so project names cannot be probed; an administrator, who may see every project, learns it is 404. Only a
/// caller the project admits then learns whether a repository or artifact exists in it.
/// </remarks>
public static class ProjectGate
{
    public static async Task<ProjectAccess> RequireAsync(HttpContext context, string projectName, string resource, string action)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await context.RequestServices.GetRequiredService<RbacEvaluator>().ProjectAsync(subject, projectName, context.RequestAborted);
        return Check(subject, access, projectName, resource, action);
    }

    /// <summary>The same check for a project named by its id (a project label's <c>project_id</c>).</summary>
    public static async Task<ProjectAccess> RequireAsync(HttpContext context, long projectId, string resource, string action)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await context.RequestServices.GetRequiredService<RbacEvaluator>().ProjectAsync(subject, projectId, context.RequestAborted);
        return Check(subject, access, projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), resource, action);
    }

    private static ProjectAccess Check(Subject subject, ProjectAccess? access, string project, string resource, string action)
    {
        if (access is null)
        {
            throw subject.SysAdmin ? ApiException.NotFound($"project {project} not found") : ApiPrincipal.Refuse(subject);
        }

        return access.Can(resource, action) ? access : throw ApiPrincipal.Refuse(subject);
    }
}
