using System.Text;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>Repositories as Harbor's API shows them: the ones holding at least one artifact, with their project, counts and description.</summary>
/// <remarks>
/// A repository row appears with its first upload and lingers after its last artifact is gone; the API, like
/// <c>/v2/_catalog</c> and a project's <c>repo_count</c>, only shows repositories that hold an artifact.
/// </remarks>
public sealed class RepositoryService(BerthDbContext db, ArtifactService artifacts)
{
    private static readonly SortFields<RepositoryRow> Order = new SortFields<RepositoryRow>()
        .Add("id", r => r.Id)
        .Add("name", r => r.Name)
        .Add("creation_time", r => r.CreatedAt)
        .Add("update_time", r => r.LastPushAt != null && r.LastPushAt > r.UpdatedAt ? r.LastPushAt.Value : r.UpdatedAt)
        .Add("pull_count", r => r.PullCount)
        .Add("artifact_count", r => r.ArtifactCount);

    private static readonly ListQuery.Sort[] DefaultOrder = [new("creation_time", true)];
    private static readonly ListQuery.Sort Tiebreaker = new("id", true);
    private static readonly string[] Keys = ["name", "project_id", "id"];

    /// <summary>A page of the repositories of one project.</summary>
    public Task<(List<RepositoryRow> Page, int Total)> ListAsync(ProjectAccess project, ListQuery query, ApiPaging paging,
        CancellationToken cancellationToken) => PageAsync(InProject(project.ProjectId, project.Name), query, paging, cancellationToken);

    /// <summary>A page of the repositories of every project where the caller may list repositories (all, for administrators).</summary>
    public async Task<(List<RepositoryRow> Page, int Total)> ListVisibleAsync(Subject subject, VisibleProjects visible, ListQuery query,
        ApiPaging paging, CancellationToken cancellationToken)
    {
        var projects = await visible.WhereAsync(subject, Rbac.Repository, Rbac.List, cancellationToken);
        var rows = Everywhere();
        if (projects is not null)
        {
            var ids = projects.Select(p => p.Id).ToList();
            rows = rows.Where(r => ids.Contains(r.ProjectId));
        }

        return await PageAsync(rows, query, paging, cancellationToken);
    }

    /// <summary>One repository of <paramref name="project"/> by its full name, or Harbor's 404.</summary>
    public async Task<RepositoryRow> GetAsync(ProjectAccess project, string name, CancellationToken cancellationToken) =>
        await InProject(project.ProjectId, project.Name).FirstOrDefaultAsync(r => r.Name == name, cancellationToken)
        ?? throw ApiException.NotFound($"repository {name} not found");

    /// <summary>Sets the description, HTML-escaped as Harbor stores it (a description is shown in the portal).</summary>
    public async Task UpdateAsync(ProjectAccess project, string name, string? description, CancellationToken cancellationToken)
    {
        var repository = await GetAsync(project, name, cancellationToken);
        var escaped = HtmlEscape(description ?? "");
        await db.Repositories.Where(r => r.Id == repository.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Description, escaped), cancellationToken);
    }

    /// <summary>Deletes every artifact and tag of the repository, then the repository; its blobs are left to GC.</summary>
    public async Task DeleteAsync(ProjectAccess project, string name, CancellationToken cancellationToken)
    {
        var repository = await GetAsync(project, name, cancellationToken);
        await artifacts.DeleteRepositoryAsync(repository.Id, name, cancellationToken);
    }

    private IQueryable<RepositoryRow> InProject(long projectId, string projectName)
    {
        var prefix = projectName + "/";
        var listed = db.Artifacts.Where(ArtifactQueries.Listed(db));
        return db.Repositories.AsNoTracking()
            .Where(r => r.Name.StartsWith(prefix) && db.Artifacts.Any(a => a.RepositoryId == r.Id))
            .Select(r => new RepositoryRow
            {
                Id = r.Id,
                ProjectId = projectId,
                Name = r.Name,
                Description = r.Description,
                PullCount = r.PullCount,
                ArtifactCount = listed.Count(a => a.RepositoryId == r.Id),
                CreatedAt = r.CreatedAt,
                UpdatedAt = r.UpdatedAt,
                LastPushAt = db.Artifacts.Where(a => a.RepositoryId == r.Id).Max(a => (DateTime?)a.PushTime),
            });
    }

    /// <summary>Every repository with its project, which is the first component of its name.</summary>
    private IQueryable<RepositoryRow> Everywhere()
    {
        var listed = db.Artifacts.Where(ArtifactQueries.Listed(db));
        return from r in db.Repositories.AsNoTracking()
               join p in db.Projects on r.Name.Substring(0, r.Name.IndexOf(Data.Entities.Repository.ProjectSeparator)) equals p.Name
               where db.Artifacts.Any(a => a.RepositoryId == r.Id)
               select new RepositoryRow
               {
                   Id = r.Id,
                   ProjectId = p.Id,
                   Name = r.Name,
                   Description = r.Description,
                   PullCount = r.PullCount,
                   ArtifactCount = listed.Count(a => a.RepositoryId == r.Id),
                   CreatedAt = r.CreatedAt,
                   UpdatedAt = r.UpdatedAt,
                   LastPushAt = db.Artifacts.Where(a => a.RepositoryId == r.Id).Max(a => (DateTime?)a.PushTime),
               };
    }

    private static async Task<(List<RepositoryRow> Page, int Total)> PageAsync(IQueryable<RepositoryRow> rows, ListQuery query, ApiPaging paging,
        CancellationToken cancellationToken)
    {
        foreach (var term in query.Terms.Values)
        {
            rows = term.Key switch
            {
                "name" => ListFilters.Text(rows, term, r => r.Name),
                "project_id" => ListFilters.Number(rows, term, r => r.ProjectId),
                "id" => ListFilters.Number(rows, term, r => r.Id),
                _ => throw ListFilters.UnknownKey(term.Key, Keys),
            };
        }

        var ordered = Order.Apply(rows, query.Sorts, DefaultOrder, Tiebreaker);
        var total = await rows.CountAsync(cancellationToken);
        var page = await ordered.Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>Go's <c>template.HTMLEscapeString</c>, which Harbor applies to a description before storing it.</summary>
    public static string HtmlEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var entity = c switch
            {
                '\0' => "\uFFFD",
                '"' => "&#34;",
                '\'' => "&#39;",
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => null,
            };
            if (entity is null)
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append(entity);
            }
        }

        return escaped.ToString();
    }
}
