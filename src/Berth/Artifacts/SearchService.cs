using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Projects;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>Harbor's <c>/search</c>: the projects and repositories whose names contain a text, among those the caller may see.</summary>
/// <remarks>
/// Projects are those <see cref="ProjectService.ListAsync"/> shows the caller; repositories those of the projects where the
/// caller may list repositories, as <c>/repositories</c> lists them. Neither is paged, as in Harbor.
/// </remarks>
public sealed class SearchService(BerthDbContext db, ProjectService projects, VisibleProjects visible)
{
    public async Task<(List<ProjectView> Projects, List<SearchRow> Repositories)> SearchAsync(Subject subject, string text,
        CancellationToken cancellationToken)
    {
        var query = HarborQuery.Empty.With(QueryTerm.Fuzzy("name", text));
        var (found, _) = await projects.ListAsync(subject, query, new ApiPaging(1, int.MaxValue), cancellationToken);
        var allowed = await visible.WhereAsync(subject, Rbac.Repository, Rbac.List, cancellationToken);
        var ids = allowed?.Select(p => p.Id).ToList();
        var listed = db.Artifacts.Where(ArtifactQueries.Listed(db));
        var repositories = await (
                from r in db.Repositories.AsNoTracking()
                join p in db.Projects on r.Name.Substring(0, r.Name.IndexOf(Data.Entities.Repository.ProjectSeparator)) equals p.Name
                where r.Name.Contains(text) && db.Artifacts.Any(a => a.RepositoryId == r.Id) && (ids == null || ids.Contains(p.Id))
                orderby r.Name
                select new SearchRow(p.Id, p.Name, p.Public, r.Name, r.PullCount, listed.Count(a => a.RepositoryId == r.Id)))
            .ToListAsync(cancellationToken);
        return (found, repositories);
    }
}
