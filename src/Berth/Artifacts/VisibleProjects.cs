using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>A project a caller may act in, for the lists that span projects.</summary>
public sealed record VisibleProject(long Id, string Name, bool Public, ProjectRole? Role);

/// <summary>The projects in which a caller may take one action: the evaluator's answer, asked for many projects at once.</summary>
/// <remarks>
/// Candidates come from one query (public projects, the caller's memberships, a robot's projects, or every project for a
/// robot covering all of them); <see cref="RbacEvaluator.Permissions"/>, the same rule <see cref="RbacEvaluator.ProjectAsync(Subject, string, CancellationToken)"/>
/// applies, then decides each. Administrators see every project and need no list.
/// </remarks>
public sealed class VisibleProjects(BerthDbContext db)
{
    /// <summary>The projects where <paramref name="subject"/> may take <paramref name="action"/> on <paramref name="resource"/>; null means all of them.</summary>
    public async Task<List<VisibleProject>?> WhereAsync(Subject subject, string resource, string action, CancellationToken cancellationToken)
    {
        if (subject.SysAdmin)
        {
            return null;
        }

        var userId = subject.IsUser ? subject.Id : -1;
        var grants = subject.Robot?.Grants.Where(g => !g.System).ToList() ?? [];
        var everyProject = grants.Any(g => g.ProjectId is null && !g.Deny);
        var robotProjects = grants.Where(g => g.ProjectId is not null).Select(g => g.ProjectId!.Value).Distinct().ToList();
        var candidates = await db.Projects.AsNoTracking()
            .Where(p => everyProject || p.Public || robotProjects.Contains(p.Id) || db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == userId))
            .Select(p => new VisibleProject(p.Id, p.Name, p.Public,
                db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => (ProjectRole?)m.Role).FirstOrDefault()))
            .ToListAsync(cancellationToken);
        var wanted = new Permission(resource, action);
        return candidates.Where(p => RbacEvaluator.Permissions(subject, p.Id, p.Public, p.Role).Contains(wanted)).ToList();
    }
}
