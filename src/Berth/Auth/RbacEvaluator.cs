using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>A project and everything one subject may do in it.</summary>
/// <remarks><see cref="Role"/> is the subject's membership role, when it is a member.</remarks>
public sealed record ProjectAccess(long ProjectId, string Name, bool Public, DateTime CreatedAt, ProjectRole? Role, IReadOnlySet<Access> Permissions)
{
    public bool Can(string resource, string action) => Permissions.Contains(new Access(resource, action));
}

/// <summary>The one place that decides what a subject may do, in a project or system-wide.</summary>
/// <remarks>
/// A system administrator may do everything; a user what their role's row of Harbor's table allows; a robot exactly its
/// grants (less its denials); and everyone, anonymous included, may read and pull a public project. An unknown project
/// grants nothing, to anyone, administrators included: nobody pushes into a project that does not exist, and the answer
/// for an unknown project is the answer for a forbidden one, so names cannot be probed.
/// </remarks>
public sealed class RbacEvaluator(BerthDbContext db)
{
    /// <summary>The project named <paramref name="project"/> and what <paramref name="subject"/> may do in it, or null if it does not exist.</summary>
    public Task<ProjectAccess?> ProjectAsync(Subject subject, string project, CancellationToken cancellationToken) =>
        ResolveAsync(subject, db.Projects.AsNoTracking().Where(p => p.Name == project), cancellationToken);

    /// <summary>The project numbered <paramref name="projectId"/> and what <paramref name="subject"/> may do in it, or null.</summary>
    public Task<ProjectAccess?> ProjectAsync(Subject subject, long projectId, CancellationToken cancellationToken) =>
        ResolveAsync(subject, db.Projects.AsNoTracking().Where(p => p.Id == projectId), cancellationToken);

    /// <summary>Whether <paramref name="subject"/> may take a system-wide action (users, GC, the catalog, …).</summary>
    public static bool CanSystem(Subject subject, string resource, string action)
    {
        if (subject.SysAdmin)
        {
            return true;
        }

        if (subject.Robot is not { } robot)
        {
            return false;
        }

        var wanted = new Access(resource, action);
        var grants = robot.Grants.Where(g => g.System && g.Access == wanted).ToList();
        return grants.Count > 0 && grants.All(g => !g.Deny);
    }

    /// <summary>The repository actions (<c>pull</c>, <c>push</c>, <c>delete</c>) <paramref name="subject"/> may take in <paramref name="project"/>.</summary>
    public async Task<IReadOnlySet<string>> RepositoryActionsAsync(Subject subject, string project, CancellationToken cancellationToken) =>
        await ProjectAsync(subject, project, cancellationToken) is { } access ? Rbac.RepositoryActions(access.Permissions) : Rbac.None;

    public async Task<bool> CanAsync(Subject subject, string project, string action, CancellationToken cancellationToken) =>
        (await RepositoryActionsAsync(subject, project, cancellationToken)).Contains(action);

    /// <summary>Whether <paramref name="subject"/> may take <paramref name="action"/> on <paramref name="resource"/> of project <paramref name="projectId"/>.</summary>
    public async Task<bool> CanAsync(Subject subject, long projectId, string resource, string action, CancellationToken cancellationToken) =>
        await ProjectAsync(subject, projectId, cancellationToken) is { } access && access.Can(resource, action);

    /// <summary>What <paramref name="subject"/>, with membership <paramref name="role"/> (if any), may do in a project.</summary>
    public static IReadOnlySet<Access> Permissions(Subject subject, long projectId, bool isPublic, ProjectRole? role)
    {
        if (subject.SysAdmin)
        {
            return Rbac.ProjectAdminPermissions;
        }

        if (subject.Robot is { } robot)
        {
            var granted = new HashSet<Access>(isPublic ? Rbac.PublicPermissions : []);
            var applicable = robot.Grants.Where(g => !g.System && (g.ProjectId is null || g.ProjectId == projectId)).ToList();
            granted.UnionWith(applicable.Where(g => !g.Deny).Select(g => g.Access));
            granted.ExceptWith(applicable.Where(g => g.Deny).Select(g => g.Access));
            return granted;
        }

        if (role is { } member)
        {
            return isPublic ? [.. Rbac.ForRole(member), .. Rbac.PublicPermissions] : Rbac.ForRole(member);
        }

        return isPublic ? Rbac.PublicPermissions : EmptyPermissions;
    }

    private static readonly IReadOnlySet<Access> EmptyPermissions = new HashSet<Access>();

    private async Task<ProjectAccess?> ResolveAsync(Subject subject, IQueryable<Project> projects, CancellationToken cancellationToken)
    {
        // One round trip: the project and, for a user, that user's role in it.
        var userId = subject.IsUser ? subject.Id : -1;
        var found = await projects
            .Select(p => new
            {
                p.Id,
                p.Name,
                p.Public,
                p.CreatedAt,
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return found is null
            ? null
            : new ProjectAccess(found.Id, found.Name, found.Public, found.CreatedAt, found.Role, Permissions(subject, found.Id, found.Public, found.Role));
    }
}
