using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Gc;
using Berth.Oci;
using Berth.Projects;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Blobs;

/// <summary>A blob a repository may serve.</summary>
public readonly record struct LinkedBlob(long BlobId, long Size);

/// <summary>Which blobs a repository may serve, and making new bytes into registry blobs.</summary>
/// <remarks>
/// The database decides what a repository may read: a blob is served through a repository only when a
/// <c>repository_blobs</c> row links them and the blob is <see cref="BlobState.Ready"/>, so a digest known in one
/// (private) repository never leaks through another.
/// </remarks>
public sealed class BlobService(BerthDbContext db, IStorageDriver storage, QuotaService quotas, IOptions<GcOptions> gcOptions, TransientRetry retry,
    TimeProvider clock)
{
    /// <summary>How long a push waits for GC to finish deleting a blob it needs before it gives up with 409.</summary>
    private const int DeletionWaitAttempts = 150;

    private static readonly TimeSpan DeletionWaitInterval = TimeSpan.FromMilliseconds(200);

    private static readonly Func<BerthDbContext, string, string, Task<LinkedBlob>> FindLinkedQuery =
        EF.CompileAsyncQuery((BerthDbContext db, string repository, string digest) =>
            db.RepositoryBlobs
                .Where(l => l.Repository!.Name == repository && l.Blob!.Digest == digest && l.Blob.State == BlobState.Ready)
                .Select(l => new LinkedBlob(l.BlobId, l.Blob!.Size))
                .FirstOrDefault());

    /// <summary>The blob if <paramref name="repository"/> may serve it, else null.</summary>
    public async Task<LinkedBlob?> FindLinkedAsync(string repository, Digest digest)
    {
        var linked = await FindLinkedQuery(db, repository, digest.Value);
        return linked.BlobId == 0 ? null : linked;
    }

    /// <summary>Links a blob to a repository (idempotent), provided it is still <see cref="BlobState.Ready"/>, and charges it to the project's quota.</summary>
    /// <param name="repositoryId">The repository.</param>
    /// <param name="blobId">The blob.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <param name="charge">False for a manifest's own blob, which the manifest push charges together with what it names.</param>
    /// <returns>False when GC has begun deleting the blob: the caller must treat it as absent.</returns>
    /// <remarks>The link moves the blob's <c>UpdatedAt</c> to now in the same transaction, which takes it out of GC's candidates.</remarks>
    /// <exception cref="DistributionException">403 when the project's quota cannot take the blob; nothing is linked then.</exception>
    public Task<bool> LinkAsync(long repositoryId, long blobId, CancellationToken cancellationToken, bool charge = true) =>
        db.Database.CurrentTransaction is null
            ? retry.RunAsync("blob.link", () => LinkOnceAsync(repositoryId, blobId, charge, cancellationToken), cancellationToken)
            : LinkOnceAsync(repositoryId, blobId, charge, cancellationToken);

    /// <param name="repositoryId">The repository.</param>
    /// <param name="blobId">The blob.</param>
    /// <param name="charge">Whether to charge the blob to the project's quota.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <param name="insertedSize">Set when the caller's transaction has just inserted the blob's row (Ready, touched now, held by
    /// no project): then it needs no touch, and its charge no look at what the project holds.</param>
    private async Task<bool> LinkOnceAsync(long repositoryId, long blobId, bool charge, CancellationToken cancellationToken, long? insertedSize = null)
    {
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        if (insertedSize is null && await TouchAsync(blobId, cancellationToken) == 0)
        {
            return false;
        }

        // Idempotent, and safe when two pushes link the same blob at once (PostgreSQL runs them side by side). A link that
        // exists is renewed: GC, which drops links older than its window that nothing references, then waits for this
        // transaction and finds the row too recent, instead of dropping it under a blob just acknowledged.
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO repository_blobs ("RepositoryId", "BlobId", "CreatedAt") VALUES ({repositoryId}, {blobId}, {now})
            ON CONFLICT ("RepositoryId", "BlobId") DO UPDATE SET "CreatedAt" = excluded."CreatedAt"
            """, cancellationToken);

        if (charge && insertedSize is { } size)
        {
            await quotas.ChargeNewAsync(repositoryId, blobId, size, cancellationToken);
        }
        else if (charge)
        {
            await quotas.ChargeAsync(repositoryId, [blobId], cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Keeps a blob a client has just HEADed out of GC's reach: moves <c>UpdatedAt</c> to now when it is older than half
    /// the grace window. False when GC has begun deleting the blob since it was looked up: the client must upload it.
    /// </summary>
    /// <remarks>
    /// Half the window keeps this a rare write on a busy registry while the blob never ages into a GC candidate: a blob
    /// touched less than half a window ago is one GC cannot mark before the client's manifest arrives.
    /// </remarks>
    public async Task<bool> KeepAsync(long blobId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = now - gcOptions.Value.GraceWindow / 2;
        return await db.Blobs.Where(b => b.Id == blobId && b.State == BlobState.Ready && b.UpdatedAt < stale)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedAt, now), cancellationToken) == 1
            || await db.Blobs.AnyAsync(b => b.Id == blobId && b.State == BlobState.Ready, cancellationToken);
    }

    /// <summary>Makes the verified bytes at <paramref name="sourcePath"/> the registry's blob <paramref name="digest"/> and links it to the repository.</summary>
    /// <remarks>
    /// Content-addressed: when the blob exists the source is dropped; otherwise the bytes are moved into place (durably)
    /// before the row that announces them is written, together with its link, so a row never points at missing bytes.
    /// Two uploads of one digest may both move: the bytes are the same, and the unique index lets one row win. A blob
    /// GC is deleting at this moment is waited out (GC removes the bytes before the row), then stored afresh.
    /// </remarks>
    public Task<long> CommitAsync(Digest digest, long size, string sourcePath, long repositoryId, CancellationToken cancellationToken) =>
        CommitAsync(digest, size, sourcePath, repositoryId, moved: false, cancellationToken);

    /// <summary>Finishes a commit whose verified bytes were already moved to the blob's path (by an attempt that died after the move).</summary>
    /// <exception cref="DistributionException"><c>BLOB_UPLOAD_UNKNOWN</c> when the bytes are not there either (GC took them): the client uploads again.</exception>
    public Task<long> CommitMovedAsync(Digest digest, long repositoryId, CancellationToken cancellationToken) =>
        CommitAsync(digest, size: 0, StoragePaths.Blob(digest), repositoryId, moved: true, cancellationToken);

    private async Task<long> CommitAsync(Digest digest, long size, string sourcePath, long repositoryId, bool moved, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.Blobs.AsNoTracking().Where(b => b.Digest == digest.Value)
                .Select(b => new { b.Id, b.State }).FirstOrDefaultAsync(cancellationToken);
            if (existing is { State: BlobState.Ready } && await LinkAsync(repositoryId, existing.Id, cancellationToken))
            {
                if (!moved)
                {
                    await DeleteQuietlyAsync(sourcePath);
                }

                return existing.Id;
            }

            if (existing is null)
            {
                if (!moved)
                {
                    await storage.MoveAsync(sourcePath, StoragePaths.Blob(digest), cancellationToken);
                    moved = true;
                }
                else
                {
                    // Bytes moved by an earlier turn or attempt may have gone since: GC deletes a blob's path, and a row
                    // another push inserted for this digest may have been collected in the meantime. Gone bytes are
                    // never announced; the client uploads again.
                    size = (await storage.StatAsync(StoragePaths.Blob(digest), cancellationToken))?.Size
                        ?? throw DistributionException.Of(ErrorCode.BlobUploadUnknown, "the upload's bytes are gone; upload the blob again", digest.Value);
                }

                var inserted = await InsertLinkedAsync(digest, size, repositoryId, charge: true, cancellationToken);
                if (inserted.BytesGone)
                {
                    throw DistributionException.Of(ErrorCode.BlobUploadUnknown, "the upload's bytes are gone; upload the blob again", digest.Value);
                }

                if (inserted.Id is { } id)
                {
                    return id;
                }

                continue; // another push inserted the row first: link that one
            }

            if (attempt >= DeletionWaitAttempts)
            {
                throw DistributionException.Of(ErrorCode.BlobUploadInvalid,
                    "the blob is being garbage-collected at this moment; retry the upload", digest.Value, status: 409);
            }

            await Task.Delay(DeletionWaitInterval, clock, cancellationToken);
        }
    }

    /// <summary>Stores a small blob (a manifest) from memory unless the registry has it, and links it to the repository.</summary>
    /// <returns>The blob's id, or null when GC is deleting it at this moment (the caller retries).</returns>
    public async Task<long?> PutSmallAsync(Digest digest, ReadOnlyMemory<byte> content, long repositoryId, CancellationToken cancellationToken)
    {
        // A second turn only when another push inserted the row between this one's look and its insert (link that row),
        // or when GC's orphan sweep took the bytes just written (write them again).
        for (var turn = 0; turn < 2; turn++)
        {
            var existing = await db.Blobs.AsNoTracking().Where(b => b.Digest == digest.Value)
                .Select(b => new { b.Id, b.State }).FirstOrDefaultAsync(cancellationToken);
            if (existing is { State: BlobState.Deleting })
            {
                return null;
            }

            if (existing is { State: BlobState.Ready })
            {
                return await LinkAsync(repositoryId, existing.Id, cancellationToken, charge: false) ? existing.Id : null;
            }

            await storage.PutContentAsync(StoragePaths.Blob(digest), content, cancellationToken);
            if ((await InsertLinkedAsync(digest, content.Length, repositoryId, charge: false, cancellationToken)).Id is { } id)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>What <see cref="InsertLinkedAsync"/> did: inserted a row (<see cref="Id"/>), met another row (neither), or found the bytes gone.</summary>
    private readonly record struct Insertion(long? Id, bool BytesGone);

    /// <summary>Inserts the blob's row and links it to the repository in one transaction, for bytes already in place.</summary>
    /// <remarks>
    /// <para>One transaction, so that no moment exists in which the row is there but unlinked: GC would take such a row,
    /// bytes and all, once it is older than the grace window, and the writer may wait that long for the database.</para>
    /// <para>The bytes are looked at after the row is inserted, before the commit. GC's orphan sweep claims a digest with a row
    /// of its own before it deletes bytes that no row announces: either this insert came first (the claim waits for it and
    /// then leaves the bytes), or the sweep's claim did (the insert meets it and the caller waits it out), or the sweep
    /// has finished, and then the look tells whether it took these bytes.</para>
    /// </remarks>
    private Task<Insertion> InsertLinkedAsync(Digest digest, long size, long repositoryId, bool charge, CancellationToken cancellationToken) =>
        retry.RunAsync("blob.insert", async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await BlobRows.TryInsertAsync(db, digest, size, BlobState.Ready, clock.GetUtcNow().UtcDateTime, cancellationToken) is not { } id)
            {
                return new Insertion(null, false);
            }

            if (await storage.StatAsync(StoragePaths.Blob(digest), cancellationToken) is null)
            {
                return new Insertion(null, true); // rolled back as the transaction is disposed
            }

            await LinkOnceAsync(repositoryId, id, charge, cancellationToken, insertedSize: size);
            await transaction.CommitAsync(cancellationToken);
            return new Insertion(id, false);
        }, cancellationToken);

    private Task<int> TouchAsync(long blobId, CancellationToken cancellationToken) =>
        db.Blobs.Where(b => b.Id == blobId && b.State == BlobState.Ready)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedAt, clock.GetUtcNow().UtcDateTime), cancellationToken);

    private async Task DeleteQuietlyAsync(string path)
    {
        try
        {
            await storage.DeleteAsync(path, CancellationToken.None);
        }
        catch (StoragePathNotFoundException)
        {
        }
    }
}
