using Berth.Api;
using Berth.Auth;

namespace Berth.Retention;

/// <summary>Who may do what with a retention policy: the RBAC evaluator's <c>tag-retention</c> actions in the policy's project.</summary>
internal static class RetentionAccess
{
    /// <summary>The caller and the policy, when the caller may take <paramref name="action"/> on it.</summary>
    /// <remarks>
    /// Anonymous callers get 401 before anything is looked up. An unknown policy is refused like a forbidden one, so ids
    /// cannot be probed; only system administrators, who may see every policy anyway, get its 404.
    /// </remarks>
    public static async Task<(Subject Subject, RetentionPolicy Policy)> PolicyAsync(HttpContext context, long id, string action)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var services = context.RequestServices;
        var policy = await services.GetRequiredService<RetentionPolicyStore>().FindAsync(id, context.RequestAborted);
        if (policy is null)
        {
            throw subject.SysAdmin ? ApiException.NotFound($"retention policy {id} not found") : ApiPrincipal.Refuse(subject);
        }

        await RequireAsync(context, subject, policy.Scope!.Ref, action);
        return (subject, policy);
    }

    /// <summary>Refuses the caller unless it may take <paramref name="action"/> on tag retention in project <paramref name="projectId"/>.</summary>
    /// <returns>False only for a system administrator naming a project that does not exist (the caller answers that).</returns>
    public static async Task<bool> RequireAsync(HttpContext context, Subject subject, long projectId, string action)
    {
        if (await context.RequestServices.GetRequiredService<RbacEvaluator>()
                .CanAsync(subject, projectId, Rbac.TagRetention, action, context.RequestAborted))
        {
            return true;
        }

        // The evaluator grants administrators everything in every project that exists.
        return subject.SysAdmin ? false : throw ApiPrincipal.Refuse(subject);
    }
}
