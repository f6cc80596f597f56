using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>The one place that decides what a subject may do, in a project or system-wide, from <see cref="RbacPolicies"/>.</summary>
/// <remarks>
/// A system administrator may do everything; a user what their role's row of Harbor's table allows; a robot exactly its
/// grants (less its denials); and everyone, anonymous included, what Harbor allows in a public project. An unknown project grants nothing, to anyone, administrators included: nobody pushes into a project that does not
/// exist, and the answer for an unknown project is the answer for a forbidden one, so names cannot be probed.
/// </remarks>
public sealed partial class RbacEvaluator(BerthDbContext db)
{
    /// <summary>The project named <paramref name="name"/> and what <paramref name="subject"/> may do in it; null when it does not exist.</summary>
    public Task<ProjectAccess?> ProjectAsync(Subject subject, string name, CancellationToken cancellationToken) =>
        AccessAsync(subject, db.Projects.Where(p => p.Name == name), cancellationToken);

    /// <summary>The project numbered <paramref name="id"/> and what <paramref name="subject"/> may do in it; null when it does not exist.</summary>
    public Task<ProjectAccess?> ProjectAsync(Subject subject, long id, CancellationToken cancellationToken) =>
        AccessAsync(subject, db.Projects.Where(p => p.Id == id), cancellationToken);

    /// <summary>The repository actions (<c>pull</c>, <c>push</c>, <c>delete</c>) <paramref name="subject"/> may take in <paramref name="project"/>.</summary>
    public async Task<IReadOnlySet<string>> RepositoryActionsAsync(Subject subject, string project, CancellationToken cancellationToken) =>
        (await ProjectAsync(subject, project, cancellationToken))?.Grants.RepositoryActions ?? Rbac.None;

    public async Task<bool> CanAsync(Subject subject, string project, string action, CancellationToken cancellationToken) =>
        (await RepositoryActionsAsync(subject, project, cancellationToken)).Contains(action);

    /// <summary>Whether <paramref name="subject"/> may take <paramref name="action"/> on <paramref name="resource"/> of project <paramref name="projectId"/>.</summary>
    public async Task<bool> CanAsync(Subject subject, long projectId, string resource, string action, CancellationToken cancellationToken) =>
        await ProjectAsync(subject, projectId, cancellationToken) is { } access && access.Can(resource, action);

    /// <summary>
    /// What <paramref name="subject"/> may do system-wide (users, GC, robots, the catalog, …): everything for administrators,
    /// a system robot what it was given (less what it was denied), nobody else anything.
    /// </summary>
    public static bool CanInSystem(Subject subject, string resource, string action)
    {
        if (subject.SysAdmin)
        {
            return true;
        }

        if (subject.Robot is not { } robot)
        {
            return false;
        }

        var wanted = new Permission(resource, action);
        var grants = robot.Grants.Where(g => g.System && g.Permission == wanted).ToList();
        return grants.Count > 0 && grants.All(g => !g.Deny);
    }

    /// <summary>What <paramref name="subject"/>, with membership <paramref name="role"/> (if any), may do in a project.</summary>
    /// <remarks>For callers that already hold the project row and the role, such as lists; <see cref="ProjectAsync(Subject, long, CancellationToken)"/> answers the same.</remarks>
    public static IReadOnlySet<Permission> Permissions(Subject subject, long projectId, bool isPublic, ProjectRole? role) =>
        Grants(subject, projectId, isPublic, role).Permissions;

    private static ProjectGrants Grants(Subject subject, long projectId, bool isPublic, ProjectRole? role) => subject.Robot is { } robot
        ? ProjectGrants.Of(RobotPermissions(robot, projectId, isPublic))
        : ProjectGrants.For(subject.SysAdmin, role, isPublic);

    /// <summary>A robot's permissions in one project: its grants for that project or for every project, less its denials, plus the public set.</summary>
    public static IEnumerable<Permission> RobotPermissions(RobotIdentity robot, long projectId, bool isPublic)
    {
        var applicable = robot.Grants.Where(g => !g.System && (g.ProjectId is null || g.ProjectId == projectId)).ToList();
        var denied = applicable.Where(g => g.Deny).Select(g => g.Permission).ToHashSet();
        return applicable.Where(g => !g.Deny).Select(g => g.Permission)
            .Concat(isPublic ? RbacPolicies.PublicProject : [])
            .Where(p => !denied.Contains(p));
    }

    /// <summary>Whether <paramref name="subject"/> is a user who administers at least one project (a robot never is).</summary>
    public Task<bool> AdministersAProjectAsync(Subject subject, CancellationToken cancellationToken) => subject.IsUser
        ? db.ProjectMembers.AnyAsync(m => m.UserId == subject.Id && m.Role == ProjectRole.ProjectAdmin, cancellationToken)
        : Task.FromResult(false);

    /// <summary>
    /// Harbor's <c>/users/current/permissions</c>: the permissions of the scope (<c>/project/{id}</c> or <c>/system</c>) that
    /// <paramref name="subject"/> holds, as absolute resources or, with <paramref name="relative"/>, relative to the scope.
    /// </summary>
    /// <remarks>A scope that names no namespace, or an unknown project, holds nothing.</remarks>
    public async Task<IReadOnlyList<Permission>> PermissionsAsync(Subject subject, string scope, bool relative, CancellationToken cancellationToken)
    {
        IEnumerable<Permission> held;
        if (ProjectScope().Match(scope) is { Success: true } match)
        {
            if (!long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return [];
            }

            var access = await ProjectAsync(subject, id, cancellationToken);
            var root = "/project/" + id.ToString(CultureInfo.InvariantCulture);
            held = access is null ? [] : RbacPolicies.ProjectNamespace.Where(p => access.Can(p.Resource, p.Action))
                .Select(p => p with { Resource = p.Resource.Length == 0 ? root : root + "/" + p.Resource });
        }
        else if (scope.StartsWith("/system", StringComparison.Ordinal))
        {
            held = RbacPolicies.SystemLevel.Where(p => CanInSystem(subject, p.Resource, p.Action)).Select(p => p with { Resource = "/system/" + p.Resource });
        }
        else
        {
            return [];
        }

        if (!relative)
        {
            return held.ToList();
        }

        // Harbor's RelativeTo: resources outside the scope are dropped; the scope itself is ".".
        return held.Where(p => p.Resource.StartsWith(scope, StringComparison.Ordinal))
            .Select(p => p with { Resource = p.Resource[scope.Length..].TrimStart('/') is { Length: > 0 } rest ? rest : "." })
            .ToList();
    }

    private async Task<ProjectAccess?> AccessAsync(Subject subject, IQueryable<Project> projects, CancellationToken cancellationToken)
    {
        // One round trip: the project and, for a user, that user's role in it.
        var userId = subject.Kind == SubjectKind.User ? subject.Id : -1;
        var found = await projects.AsNoTracking()
            .Select(p => new
            {
                Project = p,
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        return new ProjectAccess(found.Project, found.Role, Grants(subject, found.Project.Id, found.Project.Public, found.Role));
    }

    /// <summary>Harbor's project namespace: <c>/project/{id}</c>, optionally followed by a sub-resource.</summary>
    [GeneratedRegex("^/project/([^/]*)/?", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectScope();
}
