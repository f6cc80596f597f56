using Berth.Data;
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
        var found = await db.Projects.AsNoTracking().Where(p => p.Name == project)
            .Select(p => new { p.Id, p.Public }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return Rbac.None;
        }

        if (subject.SysAdmin)
        {
            return Rbac.AllRepositoryActions;
        }

        if (subject.Kind == SubjectKind.User)
        {
            var role = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == found.Id && m.UserId == subject.Id)
                .Select(m => (Data.Entities.ProjectRole?)m.Role).FirstOrDefaultAsync(cancellationToken);
            if (role is { } member)
            {
                return Rbac.RepositoryActions(member);
            }
        }

        return found.Public ? Rbac.PullOnly : Rbac.None;
    }

    public async Task<bool> CanAsync(Subject subject, string project, string action, CancellationToken cancellationToken) =>
        (await RepositoryActionsAsync(subject, project, cancellationToken)).Contains(action);
}
