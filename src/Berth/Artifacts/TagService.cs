using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Oci;
using Berth.Projects.Immutability;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>The tags of one artifact: Harbor's list, create and delete under <c>…/artifacts/{reference}/tags</c>.</summary>
public sealed class TagService(BerthDbContext db, ImmutableTags immutableTags, TimeProvider clock)
{
    private static readonly SortFields<Tag> Order = new SortFields<Tag>()
        .Add("id", t => t.Id)
        .Add("name", t => t.Name)
        .Add("push_time", t => t.PushTime)
        .Add("pull_time", t => t.PullTime);

    private static readonly ListQuery.Sort[] DefaultOrder = [new("push_time", true)];
    private static readonly ListQuery.Sort Tiebreaker = new("id", true);
    private static readonly string[] Keys = ["name", "id", "push_time", "pull_time"];

    public async Task<(List<Tag> Page, int Total)> ListAsync(Artifact artifact, ListQuery query, ApiPaging paging, CancellationToken cancellationToken)
    {
        var tags = db.Tags.AsNoTracking().Where(t => t.ArtifactId == artifact.Id);
        foreach (var term in query.Terms.Values)
        {
            tags = term.Key switch
            {
                "name" => ListFilters.Text(tags, term, t => t.Name),
                "id" => ListFilters.Number(tags, term, t => t.Id),
                "push_time" => ListFilters.Time(tags, term, t => t.PushTime),
                "pull_time" => ListFilters.Time(tags, term, t => t.PullTime),
                _ => throw ListFilters.UnknownKey(term.Key, Keys),
            };
        }

        var total = await tags.CountAsync(cancellationToken);
        var page = await Order.Apply(tags, query.Sorts, DefaultOrder, Tiebreaker).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>Adds a tag to an artifact. A name the repository already uses, on this artifact or another, is Harbor's 409: the tag does not move.</summary>
    /// <remarks>An existing name that a tag immutability rule protects is 412 instead.</remarks>
    public async Task CreateAsync(string repository, Artifact artifact, string? name, CancellationToken cancellationToken)
    {
        await immutableTags.EnsureMutableAsync(repository, name, cancellationToken);
        if (!TagName.IsValid(name))
        {
            throw ApiException.BadRequest($"invalid tag name: {name}; it must match [a-zA-Z0-9_][a-zA-Z0-9._-]{{0,127}}");
        }

        if (await db.Tags.AnyAsync(t => t.RepositoryId == artifact.RepositoryId && t.Name == name, cancellationToken))
        {
            throw AlreadyExists(repository, name!);
        }

        db.Tags.Add(new Tag { RepositoryId = artifact.RepositoryId, ArtifactId = artifact.Id, Name = name!, PushTime = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Lost a race: the same name was pushed meanwhile, or the artifact was deleted (GC's untagged sweep, a delete).
            db.ChangeTracker.Clear();
            throw await db.Tags.AnyAsync(t => t.RepositoryId == artifact.RepositoryId && t.Name == name, cancellationToken)
                ? AlreadyExists(repository, name!)
                : ApiException.NotFound($"artifact {repository}@{artifact.Digest} not found");
        }
    }

    /// <summary>Removes the tag <paramref name="name"/> from the artifact; one it does not carry is a 404, an immutable one a 412.</summary>
    public async Task DeleteAsync(string repository, Artifact artifact, string name, CancellationToken cancellationToken)
    {
        await immutableTags.EnsureMutableAsync(repository, name, cancellationToken);
        var deleted = await db.Tags.Where(t => t.ArtifactId == artifact.Id && t.RepositoryId == artifact.RepositoryId && t.Name == name)
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            throw ApiException.NotFound($"tag {name} attached to artifact {artifact.Id} not found");
        }
    }

    private static ApiException AlreadyExists(string repository, string name) =>
        ApiException.Conflict($"tag {name} already exists under the repository {repository}");
}
