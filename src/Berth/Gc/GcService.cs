using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Blobs;
using Berth.Oci;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Gc;

/// <summary>Online garbage collection: removes what nothing references, without read-only mode and without losing a push.</summary>
/// <remarks>
/// <para>The protocol (ARCHITECTURE.md, "Garbage collection"): a blob is a candidate when no repository link, no project quota, no artifact
/// and no manifest references it and it has not been touched for the grace window. Candidates are flipped from
/// <see cref="BlobState.Ready"/> to <see cref="BlobState.Deleting"/> by one conditional UPDATE that re-checks all of
/// that; only then are the bytes deleted, then the rows.</para>
/// <para>A push meets GC at the blob row: it links or references a blob only through an UPDATE that requires
/// <see cref="BlobState.Ready"/> and moves <c>UpdatedAt</c> to now. Whichever commits first wins; if GC did, the push
/// treats the blob as absent and the client uploads it again; if the push did, the blob is no longer a candidate.</para>
/// <para>A dry run changes nothing and so cannot see what its own earlier steps would free: blobs that only the untagged
/// artifacts it counts reference are not in its estimate.</para>
/// </remarks>
public sealed class GcService(BerthDbContext db, IStorageDriver storage, Projects.QuotaService quotas, IOptions<GcOptions> options,
    Settings.SettingsStore systemSettings, Api.TransientRetry retry, TimeProvider clock)
{
    public async Task<GcResult> RunAsync(GcParameters parameters, Action<string> log, Action<GcProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (!parameters.DryRun && (await systemSettings.GetAsync(cancellationToken)).ReadOnly)
        {
            throw new Settings.ReadOnlyModeException();
        }

        var settings = options.Value;
        var cutoff = clock.GetUtcNow().UtcDateTime - settings.GraceWindow;
        var workers = Math.Clamp(parameters.Workers, 1, 10);
        var dry = parameters.DryRun;
        log($"GC started: delete_untagged={parameters.DeleteUntagged}, dry_run={dry}, workers={workers}, grace window {settings.GraceWindow}");

        long manifests = 0;
        if (parameters.DeleteUntagged)
        {
            manifests = await DeleteUntaggedAsync(cutoff, dry, settings.BatchSize, cancellationToken);
            log($"{(dry ? "would delete" : "deleted")} {manifests} untagged artifacts");
            progress?.Invoke(new GcProgress("untagged artifacts", manifests, manifests));
        }

        var unlinked = await UnlinkUnreferencedAsync(cutoff, dry, cancellationToken);
        log($"{(dry ? "would unlink" : "unlinked")} {unlinked} blobs from repositories that no longer reference them");
        if (!dry)
        {
            var released = await quotas.ReleaseUnheldAsync(null, cancellationToken);
            log($"released {released} blobs from the quotas of projects that no longer hold them");
        }

        var (blobs, freed) = await SweepBlobsAsync(cutoff, dry, workers, settings.BatchSize, progress, cancellationToken);
        log($"{(dry ? "would delete" : "deleted")} {blobs} blobs, {freed} bytes");

        var orphanCutoff = clock.GetUtcNow().UtcDateTime - (settings.OrphanAge > settings.GraceWindow ? settings.OrphanAge : settings.GraceWindow);
        var orphans = await SweepOrphanBytesAsync(orphanCutoff, dry, settings.BatchSize, progress, cancellationToken);
        log($"{(dry ? "would delete" : "deleted")} {orphans} stored blobs that no database row announces");
        return new GcResult(manifests, blobs, freed, orphans, unlinked);
    }

    /// <summary>Untagged artifacts that no index in their repository names and that are not accessories of a present subject.</summary>
    private IQueryable<Artifact> Untagged(DateTime cutoff) => db.Artifacts.Where(a =>
        a.PushTime < cutoff
        && !db.Tags.Any(t => t.ArtifactId == a.Id)
        && !db.ArtifactReferences.Any(r => r.Kind == ArtifactReferenceKind.Manifest && r.Digest == a.Digest && r.Artifact!.RepositoryId == a.RepositoryId)
        && !(a.SubjectDigest != null && db.Artifacts.Any(s => s.RepositoryId == a.RepositoryId && s.Digest == a.SubjectDigest)));

    private async Task<long> DeleteUntaggedAsync(DateTime cutoff, bool dry, int batchSize, CancellationToken cancellationToken)
    {
        if (dry)
        {
            return await Untagged(cutoff).LongCountAsync(cancellationToken);
        }

        long deleted = 0;
        while (true)
        {
            var ids = await Untagged(cutoff).OrderBy(a => a.Id).Select(a => a.Id).Take(batchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return deleted;
            }

            // The predicate is checked again by the DELETE itself: a tag pushed meanwhile saves its artifact.
            var count = await Untagged(cutoff).Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
            deleted += count;
            if (count == 0)
            {
                return deleted;
            }
        }
    }

    /// <summary>Drops repository links of blobs that no artifact of that repository references (uploaded, never used).</summary>
    private async Task<long> UnlinkUnreferencedAsync(DateTime cutoff, bool dry, CancellationToken cancellationToken)
    {
        var stale = db.RepositoryBlobs.Where(l =>
            l.CreatedAt < cutoff
            && db.Blobs.Any(b => b.Id == l.BlobId && b.UpdatedAt < cutoff)
            && !db.ArtifactReferences.Any(r => r.BlobId == l.BlobId && r.Artifact!.RepositoryId == l.RepositoryId)
            && !db.Artifacts.Any(a => a.BlobId == l.BlobId && a.RepositoryId == l.RepositoryId));
        // A push renews the links it relies on, so on PostgreSQL this waits for it on those rows and then skips them; the
        // two may also lock rows in opposite orders, and the side picked as a deadlock's victim runs again.
        return dry
            ? await stale.LongCountAsync(cancellationToken)
            : await retry.RunAsync("gc.unlink", () => stale.ExecuteDeleteAsync(cancellationToken), cancellationToken);
    }

    private IQueryable<Blob> Unreferenced() => db.Blobs.Where(b =>
        !db.RepositoryBlobs.Any(l => l.BlobId == b.Id)
        && !db.ProjectBlobs.Any(pb => pb.BlobId == b.Id)
        && !db.ArtifactReferences.Any(r => r.BlobId == b.Id)
        && !db.Artifacts.Any(a => a.BlobId == b.Id));

    private async Task<(long Blobs, long Bytes)> SweepBlobsAsync(DateTime cutoff, bool dry, int workers, int batchSize,
        Action<GcProgress>? progress, CancellationToken cancellationToken)
    {
        // Deleting rows left by a run that died half way are finished here too. A dry run has not unlinked anything,
        // so it counts the blobs whose links would all have gone (no artifact anywhere references them).
        var candidates = dry
            ? db.Blobs.Where(b => b.State == BlobState.Ready && b.UpdatedAt < cutoff
                && !db.ArtifactReferences.Any(r => r.BlobId == b.Id) && !db.Artifacts.Any(a => a.BlobId == b.Id)
                && !db.RepositoryBlobs.Any(l => l.BlobId == b.Id && l.CreatedAt >= cutoff))
            : Unreferenced().Where(b => (b.State == BlobState.Ready && b.UpdatedAt < cutoff) || b.State == BlobState.Deleting);
        var total = await candidates.LongCountAsync(cancellationToken);
        long blobs = 0, bytes = 0, lastId = 0;
        while (true)
        {
            var batch = await candidates.Where(b => b.Id > lastId).OrderBy(b => b.Id)
                .Select(b => new { b.Id, b.Digest, b.Size }).Take(batchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return (blobs, bytes);
            }

            lastId = batch[^1].Id;
            if (dry)
            {
                blobs += batch.Count;
                bytes += batch.Sum(b => b.Size);
                progress?.Invoke(new GcProgress("blobs", blobs, total));
                continue;
            }

            // Pushes touching some of these blobs lock their rows in their own order while this locks them in its
            // scan's: on PostgreSQL either side may be picked as a deadlock's victim, and the marking, which changes
            // nothing when aborted, is simply run again.
            var ids = batch.Select(b => b.Id).ToList();
            await retry.RunAsync("gc.mark", () => Unreferenced()
                .Where(b => ids.Contains(b.Id) && b.State == BlobState.Ready && b.UpdatedAt < cutoff)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.State, BlobState.Deleting), cancellationToken), cancellationToken);
            var doomed = await db.Blobs.AsNoTracking().Where(b => ids.Contains(b.Id) && b.State == BlobState.Deleting)
                .Select(b => new { b.Id, b.Digest, b.Size }).ToListAsync(cancellationToken);

            await DeleteBytesAsync([.. doomed.Select(b => Digest.Parse(b.Digest))], workers, cancellationToken);
            var doomedIds = doomed.Select(b => b.Id).ToList();
            await Unreferenced().Where(b => doomedIds.Contains(b.Id) && b.State == BlobState.Deleting).ExecuteDeleteAsync(cancellationToken);

            blobs += doomed.Count;
            bytes += doomed.Sum(b => b.Size);
            progress?.Invoke(new GcProgress("blobs", blobs, total));
        }
    }

    /// <summary>Bytes in the store with no blob row (a crash between the move and the insert), older than the window.</summary>
    private async Task<long> SweepOrphanBytesAsync(DateTime cutoff, bool dry, int batchSize,
        Action<GcProgress>? progress, CancellationToken cancellationToken)
    {
        long orphans = 0;
        var batch = new List<Digest>(batchSize);
        await foreach (var file in storage.WalkAsync(StoragePaths.BlobsRoot, new WalkOptions(cutoff), cancellationToken))
        {
            if (StoragePaths.TryParseBlob(file.Path, out var digest))
            {
                batch.Add(digest);
            }

            if (batch.Count >= batchSize)
            {
                orphans += await DeleteOrphansAsync(batch, cutoff, dry, cancellationToken);
                progress?.Invoke(new GcProgress("orphaned bytes", orphans));
                batch.Clear();
            }
        }

        orphans += await DeleteOrphansAsync(batch, cutoff, dry, cancellationToken);
        return orphans;
    }

    private async Task<long> DeleteOrphansAsync(List<Digest> digests, DateTime cutoff, bool dry, CancellationToken cancellationToken)
    {
        if (digests.Count == 0)
        {
            return 0;
        }

        var values = digests.Select(d => d.Value).ToList();
        var known = (await db.Blobs.AsNoTracking().Where(b => values.Contains(b.Digest)).Select(b => b.Digest).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var orphans = digests.Where(d => !known.Contains(d.Value)).ToList();
        if (dry)
        {
            return orphans.Count;
        }

        long deleted = 0;
        foreach (var digest in orphans)
        {
            // The walk's listing may be stale by now: a push may be committing these bytes. Claim the digest first with a
            // Deleting row, as the blob sweep marks its rows: a push's row, even one not yet committed, makes the claim
            // fail (the unique index waits for the push's transaction), and a push that comes after the claim waits for
            // it to end and then finds the bytes gone and asks for the upload again (BlobService checks its bytes inside
            // the transaction that inserts its row). Then look at the file again: a push moves its bytes in with a new time.
            if (await ClaimOrphanAsync(digest, cancellationToken) is not { } claim)
            {
                continue;
            }

            try
            {
                var info = await storage.StatAsync(StoragePaths.Blob(digest), cancellationToken);
                if (info is not null && info.ModifiedAt.UtcDateTime < cutoff)
                {
                    deleted += await DeleteBytesAsync([digest], 1, cancellationToken);
                }
            }
            finally
            {
                // A claim a crash leaves behind is an unreferenced Deleting row: the next run's blob sweep finishes it.
                await db.Blobs.Where(b => b.Id == claim && b.State == BlobState.Deleting).ExecuteDeleteAsync(CancellationToken.None);
            }
        }

        return deleted;
    }

    /// <summary>Inserts a Deleting row for bytes no row announces; null when a row of the digest exists (or is being inserted).</summary>
    private Task<long?> ClaimOrphanAsync(Digest digest, CancellationToken cancellationToken) =>
        BlobRows.TryInsertAsync(db, digest, 0, BlobState.Deleting, clock.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>Deletes the blobs' bytes, <paramref name="workers"/> batches at once; bytes already gone are no error.</summary>
    /// <remarks>Each worker hands the driver one batch, which S3 deletes a thousand keys per request.</remarks>
    private async Task<int> DeleteBytesAsync(List<Digest> digests, int workers, CancellationToken cancellationToken)
    {
        if (digests.Count == 0)
        {
            return 0;
        }

        var deleted = 0;
        var share = (digests.Count + workers - 1) / workers;
        await Parallel.ForEachAsync(digests.Chunk(share), new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            async (batch, token) => Interlocked.Add(ref deleted,
                await storage.DeleteManyAsync([.. batch.Select(StoragePaths.BlobDirectory)], token)));
        return deleted;
    }
}
