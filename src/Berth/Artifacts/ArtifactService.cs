using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Manifests;
using Berth.Events;
using Berth.Oci;
using Berth.Projects;
using Berth.Projects.Immutability;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>Artifacts of one repository as Harbor's API lists, shows and deletes them.</summary>
public sealed class ArtifactService(BerthDbContext db, ManifestService manifests, QuotaService quotas, ArtifactAssembler assembler, EventLog events,
    ImmutableTags immutableTags)
{
    private static readonly SortFields<Artifact> Order = new SortFields<Artifact>()
        .Add("id", a => a.Id)
        .Add("push_time", a => a.PushTime)
        .Add("pull_time", a => a.PullTime)
        .Add("size", a => a.Size)
        .Add("digest", a => a.Digest)
        .Add("type", a => a.Type)
        .Add("media_type", a => a.ConfigMediaType ?? a.MediaType)
        .Add("manifest_media_type", a => a.MediaType)
        .Add("artifact_type", a => a.ArtifactType);

    private static readonly ListQuery.Sort[] DefaultOrder = [new("push_time", true)];
    private static readonly ListQuery.Sort Tiebreaker = new("id", true);
    private static readonly string[] Keys =
        ["tags", "digest", "type", "media_type", "manifest_media_type", "artifact_type", "id", "size", "push_time", "pull_time", "base", "labels"];

    /// <summary>A page of the artifacts <paramref name="repository"/> shows; an unknown repository has none, as in Harbor.</summary>
    public async Task<(List<ArtifactView> Page, int Total)> ListAsync(ProjectAccess project, string repository, ListQuery query, ApiPaging paging,
        ArtifactOptions options, CancellationToken cancellationToken)
    {
        var repositoryId = await db.Repositories.AsNoTracking().Where(r => r.Name == repository).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
        var artifacts = Filter(db.Artifacts.AsNoTracking().Where(a => a.RepositoryId == repositoryId), query);
        var total = await artifacts.CountAsync(cancellationToken);
        var page = await Order.Apply(artifacts, query.Sorts, DefaultOrder, Tiebreaker).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return (await assembler.AssembleAsync(page, project.ProjectId, repository, options, cancellationToken), total);
    }

    /// <summary>The artifact a tag or digest names, with what <paramref name="options"/> asks for.</summary>
    public async Task<ArtifactView> GetAsync(ProjectAccess project, string repository, ArtifactRef reference, ArtifactOptions options,
        CancellationToken cancellationToken)
    {
        var artifact = await FindAsync(repository, reference, cancellationToken);
        return (await assembler.AssembleAsync([artifact], project.ProjectId, repository, options, cancellationToken))[0];
    }

    /// <summary>The artifact a tag or digest names in <paramref name="repository"/>, or Harbor's 404.</summary>
    public async Task<Artifact> FindAsync(string repository, ArtifactRef reference, CancellationToken cancellationToken)
    {
        var artifact = reference.Digest is { } digest
            ? await db.Artifacts.AsNoTracking().FirstOrDefaultAsync(a => a.Digest == digest && a.Repository!.Name == repository, cancellationToken)
            : await db.Tags.AsNoTracking().Where(t => t.Name == reference.Tag && t.Artifact!.Repository!.Name == repository)
                .Select(t => t.Artifact!).FirstOrDefaultAsync(cancellationToken);
        return artifact ?? throw ApiException.NotFound(reference.Digest is null
            ? $"artifact {repository}:{reference.Tag} not found"
            : $"artifact {repository}@{reference.Digest} not found");
    }

    /// <summary>Deletes an artifact with every tag it carries, its accessories and the children only it needed, as Harbor does.</summary>
    /// <remarks>
    /// An artifact an index of the repository names cannot be deleted on its own (Harbor's 412). Each manifest goes through
    /// <see cref="ManifestService.DeleteAsync"/>, the one delete the registry API uses too, in its own transaction: the
    /// artifact first, so that whatever a crash leaves behind is an untagged child or an accessory without its subject,
    /// which GC's untagged sweep removes, and never an index missing a child. An artifact that carries an immutable tag, or
    /// whose accessories do, is refused before anything goes (Harbor's 412).
    /// </remarks>
    public async Task DeleteAsync(string repository, Artifact artifact, CancellationToken cancellationToken)
    {
        await immutableTags.EnsureArtifactDeletableAsync(repository, artifact.Digest, withAccessories: true, cancellationToken);
        if (await db.ArtifactReferences.AnyAsync(r => r.Kind == ArtifactReferenceKind.Manifest && r.Digest == artifact.Digest
            && r.Artifact!.RepositoryId == artifact.RepositoryId, cancellationToken))
        {
            throw new ApiException(StatusCodes.Status412PreconditionFailed, "VIOLATE_FOREIGN_KEY_CONSTRAINT", "the deleting artifact is referenced by others");
        }

        await DeleteDeeplyAsync(artifact.RepositoryId, repository, artifact.Digest, [], cancellationToken);
    }

    /// <summary>Deletes every artifact of a repository (indexes first), then the repository itself when nothing is uploading into it.</summary>
    /// <remarks>A repository holding an immutable tag is refused before anything goes (Harbor's 412).</remarks>
    public async Task DeleteRepositoryAsync(long repositoryId, string repository, CancellationToken cancellationToken)
    {
        await immutableTags.EnsureRepositoryDeletableAsync(repository, cancellationToken);
        var digests = await db.Artifacts.AsNoTracking().Where(a => a.RepositoryId == repositoryId)
            .Select(a => new { a.Digest, a.MediaType }).ToListAsync(cancellationToken);
        foreach (var digest in digests.OrderByDescending(a => MediaTypes.IsIndex(a.MediaType)).Select(a => a.Digest))
        {
            await manifests.DeleteAsync(repository, new ManifestReference(null, Digest.Parse(digest)), cancellationToken);
        }

        // The row goes too, so that a later push starts a new repository (no old description or pull count), unless an
        // upload is under way in it; its blob links go with it and GC takes the blobs once their grace window has passed.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Repositories
            .Where(r => r.Id == repositoryId && !db.Artifacts.Any(a => a.RepositoryId == r.Id) && !db.UploadSessions.Any(u => u.RepositoryId == r.Id))
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            await db.Repositories.Where(r => r.Id == repositoryId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Description, "").SetProperty(r => r.PullCount, 0), cancellationToken);
        }

        // Blobs uploaded into it that no manifest named went with its links: the quota lets them go too.
        if (repository.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash)
        {
            await quotas.ReleaseUnheldAsync(repository[..slash], cancellationToken);
        }

        await events.AddAsync(EventTypes.DeleteRepository, EventData.ForRepository(repository), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task DeleteDeeplyAsync(long repositoryId, string repository, string digest, HashSet<string> done, CancellationToken cancellationToken)
    {
        if (!done.Add(digest))
        {
            return;
        }

        // What it names and what names it as their subject, read before it goes.
        var children = await db.ArtifactReferences.AsNoTracking()
            .Where(r => r.Kind == ArtifactReferenceKind.Manifest && r.Artifact!.RepositoryId == repositoryId && r.Artifact.Digest == digest)
            .Select(r => r.Digest).Distinct().ToListAsync(cancellationToken);
        var cosignTag = ArtifactQueries.CosignTag(digest);
        var accessories = await db.Artifacts.AsNoTracking()
            .Where(a => a.RepositoryId == repositoryId && (a.SubjectDigest == digest || (cosignTag != null && a.Tags.Any(t => t.Name == cosignTag))))
            .Select(a => a.Digest).ToListAsync(cancellationToken);

        await manifests.DeleteAsync(repository, new ManifestReference(null, Digest.Parse(digest)), cancellationToken);

        var notChild = ArtifactQueries.NotChild(db);
        foreach (var child in children)
        {
            // A child another index still names, or that a tag keeps, stays.
            var orphan = await db.Artifacts.Where(a => a.RepositoryId == repositoryId && a.Digest == child && !a.Tags.Any())
                .Where(notChild).AnyAsync(cancellationToken);
            if (orphan)
            {
                await DeleteDeeplyAsync(repositoryId, repository, child, done, cancellationToken);
            }
        }

        foreach (var accessory in accessories)
        {
            // An accessory goes with its subject, tags and all, unless an index names it.
            var alone = await db.Artifacts.Where(a => a.RepositoryId == repositoryId && a.Digest == accessory).Where(notChild).AnyAsync(cancellationToken);
            if (alone)
            {
                await DeleteDeeplyAsync(repositoryId, repository, accessory, done, cancellationToken);
            }
        }
    }

    private IQueryable<Artifact> Filter(IQueryable<Artifact> artifacts, ListQuery query)
    {
        var everything = query.Terms.TryGetValue("base", out var scope);
        if (everything && !(scope!.Match == ListQuery.Match.Exact && scope.Value == "*"))
        {
            throw ApiException.BadRequest("the value of \"base\" query can only be exact match value with \"*\"");
        }

        // base=* shows an index's children too; accessories always stay under their subject.
        artifacts = everything ? artifacts.Where(ArtifactQueries.NotAccessory) : artifacts.Where(ArtifactQueries.Listed(db));
        foreach (var term in query.Terms.Values)
        {
            artifacts = term.Key switch
            {
                "base" => artifacts,
                "tags" => Tagged(artifacts, term),
                "labels" => Labelled(artifacts, term),
                "digest" => ListFilters.Text(artifacts, term, a => a.Digest),
                "type" => ListFilters.Text(artifacts, term, a => a.Type),
                "media_type" => ListFilters.Text(artifacts, term, a => a.ConfigMediaType ?? a.MediaType),
                "manifest_media_type" => ListFilters.Text(artifacts, term, a => a.MediaType),
                "artifact_type" => ListFilters.Text(artifacts, term, a => a.ArtifactType),
                "id" => ListFilters.Number(artifacts, term, a => a.Id),
                "size" => ListFilters.Number(artifacts, term, a => a.Size),
                "push_time" => ListFilters.Time(artifacts, term, a => a.PushTime),
                "pull_time" => ListFilters.Time(artifacts, term, a => a.PullTime),
                _ => throw ListFilters.UnknownKey(term.Key, Keys),
            };
        }

        return artifacts;
    }

    /// <summary>Harbor's <c>tags</c> filter: <c>*</c> tagged, <c>nil</c> untagged, <c>~v</c> a tag containing v, <c>v</c> the tag v.</summary>
    private static IQueryable<Artifact> Tagged(IQueryable<Artifact> artifacts, ListQuery.Term term)
    {
        var value = term.Value;
        return term.Match switch
        {
            ListQuery.Match.Exact when value == "*" => artifacts.Where(a => a.Tags.Any()),
            ListQuery.Match.Exact when value == "nil" => artifacts.Where(a => !a.Tags.Any()),
            ListQuery.Match.Exact => artifacts.Where(a => a.Tags.Any(t => t.Name == value)),
            ListQuery.Match.Fuzzy => artifacts.Where(a => a.Tags.Any(t => t.Name.Contains(value))),
            _ => throw ListFilters.Unsupported(term, "*, nil, a tag or a fuzzy match (~)"),
        };
    }

    /// <summary>Harbor's <c>labels=(id1 id2)</c>: the artifacts carrying every one of those labels.</summary>
    private IQueryable<Artifact> Labelled(IQueryable<Artifact> artifacts, ListQuery.Term term)
    {
        var ids = new List<long>();
        foreach (var item in term.Match == ListQuery.Match.AllOf ? term.Items : [""])
        {
            ids.Add(long.TryParse(item, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? id
                : throw ApiException.BadRequest("the value of \"labels\" query can only be integer list with intersetion relationship"));
        }

        foreach (var id in ids.Distinct())
        {
            artifacts = artifacts.Where(a => db.LabelReferences.Any(r => r.ArtifactId == a.Id && r.LabelId == id));
        }

        return artifacts;
    }
}
