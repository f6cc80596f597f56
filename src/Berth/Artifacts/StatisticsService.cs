using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>Counts as Harbor's <c>/statistics</c> gives them to each caller.</summary>
/// <remarks>
/// Everyone signed in sees the public counts. Administrators also see the totals, everything private, and the bytes the
/// blob store holds (every stored blob once). A user sees the private projects they are a member of and their
/// repositories; a robot, like Harbor's, no private ones. Repositories count when they hold an artifact, as everywhere in
/// the API.
/// </remarks>
public sealed class StatisticsService(BerthDbContext db)
{
    public async Task<Statistic> ForAsync(Subject subject, CancellationToken cancellationToken)
    {
        var repositories = from r in db.Repositories.AsNoTracking()
                           join p in db.Projects on r.Name.Substring(0, r.Name.IndexOf(Repository.ProjectSeparator)) equals p.Name
                           where db.Artifacts.Any(a => a.RepositoryId == r.Id)
                           select new { ProjectId = p.Id, p.Public };
        var publicProjects = await db.Projects.LongCountAsync(p => p.Public, cancellationToken);
        var publicRepositories = await repositories.LongCountAsync(r => r.Public, cancellationToken);
        if (subject.SysAdmin)
        {
            var projects = await db.Projects.LongCountAsync(cancellationToken);
            var total = await repositories.LongCountAsync(cancellationToken);
            var storage = await db.Blobs.Where(b => b.State == BlobState.Ready).SumAsync(b => (long?)b.Size, cancellationToken) ?? 0;
            return new Statistic(projects - publicProjects, total - publicRepositories, publicProjects, publicRepositories, projects, total, storage);
        }

        var userId = subject.IsUser ? subject.Id : -1;
        var mine = db.Projects.Where(p => !p.Public && db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == userId)).Select(p => p.Id);
        var privateProjects = await mine.LongCountAsync(cancellationToken);
        var privateRepositories = await repositories.LongCountAsync(r => mine.Contains(r.ProjectId), cancellationToken);
        return new Statistic(privateProjects, privateRepositories, publicProjects, publicRepositories, 0, 0, 0);
    }
}
