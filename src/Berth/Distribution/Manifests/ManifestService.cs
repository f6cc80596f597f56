using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Blobs;
using Berth.Distribution.Repositories;
using Berth.Events;
using Berth.Oci;
using Berth.Projects;
using Berth.Projects.Immutability;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Manifests;

/// <summary>Resolving, storing and deleting manifests and tags.</summary>
public sealed class ManifestService(BerthDbContext db, BlobService blobs, RepositoryStore repositories, QuotaService quotas, ManifestCache cache,
    EventLog events, ImmutableTags immutableTags, TransientRetry retry, TimeProvider clock)
{
    private static readonly Func<BerthDbContext, string, string, Task<ManifestHead?>> ByTagQuery =
        EF.CompileAsyncQuery((BerthDbContext db, string repository, string tag) =>
            db.Tags.Where(t => t.Name == tag && t.Artifact!.Repository!.Name == repository)
                .Select(t => new ManifestHead(t.Artifact!.Digest, t.Artifact.MediaType, t.Artifact.ManifestSize, t.Artifact.SubjectDigest, t.ArtifactId, t.Id, t.RepositoryId))
                .FirstOrDefault());

    private static readonly Func<BerthDbContext, string, string, Task<ManifestHead?>> ByDigestQuery =
        EF.CompileAsyncQuery((BerthDbContext db, string repository, string digest) =>
            db.Artifacts.Where(a => a.Digest == digest && a.Repository!.Name == repository)
                .Select(a => new ManifestHead(a.Digest, a.MediaType, a.ManifestSize, a.SubjectDigest, a.Id, null, a.RepositoryId))
                .FirstOrDefault());

    /// <summary>The manifest <paramref name="reference"/> (a tag or a digest) names, or the spec's 404.</summary>
    public async Task<ManifestHead> ResolveAsync(string name, ManifestReference reference)
    {
        var head = reference.Digest is { } digest
            ? await ByDigestQuery(db, name, digest.Value)
            : await ByTagQuery(db, name, reference.Tag!);
        if (head is not null)
        {
            return head;
        }

        throw await repositories.FindIdAsync(name) is null
            ? DistributionException.Of(ErrorCode.NameUnknown, detail: name)
            : DistributionException.Of(ErrorCode.ManifestUnknown, detail: reference.ToString());
    }

    public Task<byte[]> ReadAsync(ManifestHead head, CancellationToken cancellationToken) =>
        cache.GetAsync(Digest.Parse(head.Digest), cancellationToken);

    /// <summary>Stores a parsed manifest under its digest, and under <paramref name="reference"/> when that is a tag.</summary>
    /// <remarks>
    /// Every blob and child manifest it names must already be in the repository. The bytes go to the store first
    /// (content-addressed, so a crash leaves at most an unreferenced blob); artifact, references and tag are then
    /// written in one transaction, which also touches every blob it names so that GC cannot take them meanwhile, and
    /// charges the project's quota for the manifest and whatever it names that the project does not hold yet.
    /// An existing tag that a tag immutability rule protects is not pushed to again, not even with the same manifest.
    /// </remarks>
    public async Task PutAsync(string name, ManifestReference reference, Manifest manifest, byte[] content, Digest digest,
        CancellationToken cancellationToken)
    {
        await immutableTags.EnsureMutableAsync(name, reference.Tag, cancellationToken);
        var repositoryId = await repositories.GetOrCreateAsync(name, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            if (await blobs.PutSmallAsync(digest, content, repositoryId, cancellationToken) is { } manifestBlobId)
            {
                await retry.RunAsync("manifest.write", async () =>
                {
                    await WriteAsync(name, repositoryId, reference, manifest, content.Length, digest, manifestBlobId, cancellationToken);
                    return true;
                }, cancellationToken);
                cache.Add(digest, content);
                return;
            }

            // GC is deleting an earlier copy of these very bytes; once it is done they are stored afresh.
            if (attempt >= 150)
            {
                throw DistributionException.Of(ErrorCode.ManifestInvalid, "the manifest is being garbage-collected at this moment; retry", status: 409);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
        }
    }

    /// <summary>Moves the blobs' <c>UpdatedAt</c> to now, taking them out of GC's candidates; how many were still Ready.</summary>
    /// <remarks>
    /// On PostgreSQL the rows are locked in id order first. Two pushes naming overlapping layers would otherwise lock them
    /// in whatever order each one's scan met them, which differs as updates move rows, and deadlock each other.
    /// </remarks>
    private async Task<int> TouchAllAsync(List<long> blobIds, DateTime now, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            var ids = blobIds.ToArray();
            return await db.Database.ExecuteSqlAsync($"""
                UPDATE blobs SET "UpdatedAt" = {now}
                WHERE "Id" IN (SELECT "Id" FROM blobs WHERE "Id" = ANY({ids}) AND "State" = {(int)BlobState.Ready} ORDER BY "Id" FOR NO KEY UPDATE)
                """, cancellationToken);
        }

        return await db.Blobs.Where(b => blobIds.Contains(b.Id) && b.State == BlobState.Ready)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedAt, now), cancellationToken);
    }

    private async Task WriteAsync(string name, long repositoryId, ManifestReference reference, Manifest manifest, long manifestSize, Digest digest,
        long manifestBlobId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var blobRefs = await FindBlobsAsync(repositoryId, manifest, cancellationToken);
        var childSizes = await FindChildrenAsync(repositoryId, manifest, cancellationToken);

        var now = clock.GetUtcNow().UtcDateTime;
        var blobIds = blobRefs.Values.Select(b => b.BlobId).ToList();
        var touched = await TouchAllAsync(blobIds, now, cancellationToken);
        if (touched != blobIds.Count)
        {
            throw DistributionException.Of(ErrorCode.ManifestBlobUnknown, "a blob the manifest names was garbage-collected meanwhile; push it again");
        }

        // The repository's links to those blobs are renewed too (a link's CreatedAt is when it was made or last relied
        // on). GC drops links older than its window that no artifact of the repository references, and on PostgreSQL it
        // cannot see this transaction's references until it commits: renewed rows make it wait for the commit and then
        // find them too recent, where untouched ones would be dropped under the manifest being written.
        var renewed = await db.RepositoryBlobs.Where(l => l.RepositoryId == repositoryId && (l.BlobId == manifestBlobId || blobIds.Contains(l.BlobId)))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.CreatedAt, now), cancellationToken);
        if (renewed != blobIds.Count + 1)
        {
            throw DistributionException.Of(ErrorCode.ManifestBlobUnknown, "a blob the manifest names was unlinked by garbage collection meanwhile; push it again");
        }

        await quotas.ChargeAsync(repositoryId, [manifestBlobId, .. blobIds], cancellationToken, digest.Value);

        var artifact = await db.Artifacts.FirstOrDefaultAsync(a => a.RepositoryId == repositoryId && a.Digest == digest.Value, cancellationToken);
        if (artifact is null)
        {
            artifact = new Artifact
            {
                RepositoryId = repositoryId,
                Digest = digest.Value,
                BlobId = manifestBlobId,
                MediaType = manifest.MediaType,
                ArtifactType = manifest.ArtifactType,
                ConfigMediaType = manifest.Config?.MediaType,
                Type = ArtifactKinds.Of(manifest),
                ManifestSize = manifestSize,
                Size = manifestSize + blobRefs.Values.Sum(b => b.Size) + childSizes.Values.Sum(),
                SubjectDigest = manifest.Subject?.Digest.Value,
                AnnotationsJson = manifest.AnnotationsJson,
                PushTime = now,
            };
            foreach (var descriptor in manifest.Blobs.DistinctBy(d => d.Digest))
            {
                artifact.References.Add(new ArtifactReference
                {
                    Kind = ArtifactReferenceKind.Blob,
                    Digest = descriptor.Digest.Value,
                    BlobId = blobRefs[descriptor.Digest.Value].BlobId,
                });
            }

            foreach (var child in manifest.Children)
            {
                artifact.References.Add(new ArtifactReference
                {
                    Kind = ArtifactReferenceKind.Manifest,
                    Digest = child.Digest.Value,
                    PlatformJson = child.PlatformJson,
                });
            }

            db.Artifacts.Add(artifact);
        }
        else
        {
            artifact.PushTime = now;
        }

        events.Add(EventTypes.PushArtifact, EventData.ForArtifact(name, digest.Value, reference.Tag is { } pushedTag ? [pushedTag] : []));
        await db.SaveChangesAsync(cancellationToken);
        if (reference.Tag is { } tagName)
        {
            await SetTagAsync(repositoryId, tagName, artifact.Id, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes a tag, or a manifest with every tag that names it. False when there was nothing to delete.</summary>
    /// <remarks>The project's quota releases at once the blobs that no other artifact of the project names.</remarks>
    /// <exception cref="ImmutableTagException">The tag, or a tag of the manifest, is immutable.</exception>
    public async Task<bool> DeleteAsync(string name, ManifestReference reference, CancellationToken cancellationToken)
    {
        await immutableTags.EnsureDeletableAsync(name, reference, cancellationToken);
        if (reference.Tag is { } tag)
        {
            return await db.Tags.Where(t => t.Name == tag && t.Artifact!.Repository!.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;
        }

        var digest = reference.Digest!.Value;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var artifact = await db.Artifacts.AsNoTracking().Where(a => a.Digest == digest && a.Repository!.Name == name)
            .Select(a => new { a.Id, a.RepositoryId, a.BlobId, Tags = a.Tags.Select(t => t.Name).ToList() }).FirstOrDefaultAsync(cancellationToken);
        if (artifact is null)
        {
            return false;
        }

        var named = await db.ArtifactReferences.AsNoTracking().Where(r => r.ArtifactId == artifact.Id && r.BlobId != null)
            .Select(r => r.BlobId!.Value).ToListAsync(cancellationToken);
        await db.Artifacts.Where(a => a.Id == artifact.Id).ExecuteDeleteAsync(cancellationToken);
        await db.RepositoryBlobs.Where(l => l.RepositoryId == artifact.RepositoryId && l.BlobId == artifact.BlobId)
            .ExecuteDeleteAsync(cancellationToken);
        await quotas.ReleaseDeletedAsync(artifact.RepositoryId, [artifact.BlobId, .. named], cancellationToken);
        await events.AddAsync(EventTypes.DeleteArtifact, EventData.ForArtifact(name, digest, artifact.Tags), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private async Task<Dictionary<string, LinkedBlob>> FindBlobsAsync(long repositoryId, Manifest manifest, CancellationToken cancellationToken)
    {
        var wanted = manifest.Blobs.Select(d => d.Digest.Value).Distinct().ToList();
        var found = await db.RepositoryBlobs
            .Where(l => l.RepositoryId == repositoryId && wanted.Contains(l.Blob!.Digest) && l.Blob.State == BlobState.Ready)
            .Select(l => new { l.Blob!.Digest, l.BlobId, l.Blob.Size })
            .ToDictionaryAsync(x => x.Digest, x => new LinkedBlob(x.BlobId, x.Size), cancellationToken);
        foreach (var descriptor in manifest.Blobs)
        {
            if (!found.TryGetValue(descriptor.Digest.Value, out var blob))
            {
                throw DistributionException.Of(ErrorCode.ManifestBlobUnknown,
                    $"blob {descriptor.Digest.Value} is not in the repository; push it before the manifest", descriptor.Digest.Value);
            }

            if (blob.Size != descriptor.Size)
            {
                throw DistributionException.Of(ErrorCode.ManifestInvalid,
                    $"the manifest gives blob {descriptor.Digest.Value} a size of {descriptor.Size}, but it has {blob.Size} bytes");
            }
        }

        return found;
    }

    private async Task<Dictionary<string, long>> FindChildrenAsync(long repositoryId, Manifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Children.Count == 0)
        {
            return [];
        }

        var wanted = manifest.Children.Select(d => d.Digest.Value).Distinct().ToList();
        var found = await db.Artifacts.Where(a => a.RepositoryId == repositoryId && wanted.Contains(a.Digest))
            .Select(a => new { a.Digest, a.Size, a.ManifestSize })
            .ToDictionaryAsync(x => x.Digest, x => (x.Size, x.ManifestSize), cancellationToken);
        foreach (var child in manifest.Children)
        {
            if (!found.TryGetValue(child.Digest.Value, out var sizes))
            {
                throw DistributionException.Of(ErrorCode.ManifestBlobUnknown,
                    $"manifest {child.Digest.Value} is not in the repository; push it before the index", child.Digest.Value);
            }

            if (sizes.ManifestSize != child.Size)
            {
                throw DistributionException.Of(ErrorCode.ManifestInvalid,
                    $"the index gives manifest {child.Digest.Value} a size of {child.Size}, but it has {sizes.ManifestSize} bytes");
            }
        }

        return found.ToDictionary(x => x.Key, x => x.Value.Size);
    }

    private async Task SetTagAsync(long repositoryId, string name, long artifactId, DateTime now, CancellationToken cancellationToken)
    {
        var tag = await db.Tags.FirstOrDefaultAsync(t => t.RepositoryId == repositoryId && t.Name == name, cancellationToken);
        if (tag is null)
        {
            db.Tags.Add(new Tag { RepositoryId = repositoryId, ArtifactId = artifactId, Name = name, PushTime = now });
        }
        else
        {
            tag.ArtifactId = artifactId;
            tag.PushTime = now;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
