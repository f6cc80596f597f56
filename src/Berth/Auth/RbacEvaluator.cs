using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Auth;

/// <summary>The one place that decides what a subject may do in a project.</summary>
/// <remarks>
/// An unknown project grants nothing, to anyone, administrators included: nobody pushes into a project that does not
/// exist, and the answer for an unknown project is the answer for a forbidden one, so names cannot be probed.
/// </remarks>
public sealed class RbacEvaluator(BerthDbContext db)
{
    /// <summary>The repository actions (<c>pull</c>, <c>push</c>, <c>delete</c>) <paramref name="subject"/> may take in <paramref name="project"/>.</summary>
    public async Task<IReadOnlySet<string>> RepositoryActionsAsync(Subject subject, string project, CancellationToken cancellationToken)
    {
        // One round trip: the project and, for a user, that user's role in it.
        var userId = subject.Kind == SubjectKind.User ? subject.Id : -1;
        var found = await db.Projects.AsNoTracking().Where(p => p.Name == project)
            .Select(p => new
            {
                p.Public,
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return Rbac.None;
        }

        if (subject.SysAdmin)
        {
            return Rbac.AllRepositoryActions;
        }

        if (found.Role is { } member)
        {
            return Rbac.RepositoryActions(member);
        }

        return found.Public ? Rbac.PullOnly : Rbac.None;
    }

    public async Task<bool> CanAsync(Subject subject, string project, string action, CancellationToken cancellationToken) =>
        (await RepositoryActionsAsync(subject, project, cancellationToken)).Contains(action);

    /// <summary>The actions <paramref name="subject"/> may take on <paramref name="resource"/> (<c>tag-retention</c>) of project <paramref name="projectId"/>.</summary>
    public async Task<IReadOnlySet<string>> ProjectActionsAsync(Subject subject, long projectId, string resource, CancellationToken cancellationToken)
    {
        var userId = subject.Kind == SubjectKind.User ? subject.Id : -1;
        var found = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new
            {
                Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return found is null ? Rbac.None : Rbac.ProjectActions(found.Role, subject.SysAdmin, resource);
    }

    public async Task<bool> CanAsync(Subject subject, long projectId, string resource, string action, CancellationToken cancellationToken) =>
        (await ProjectActionsAsync(subject, projectId, resource, cancellationToken)).Contains(action);
}
