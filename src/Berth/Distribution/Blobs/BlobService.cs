using Berth.Data;
using Berth.Data.Entities;
using Berth.Oci;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Blobs;

/// <summary>A blob a repository may serve.</summary>
public readonly record struct LinkedBlob(long BlobId, long Size);

/// <summary>Which blobs a repository may serve, and making new bytes into registry blobs.</summary>
/// <remarks>
/// The database decides what a repository may read: a blob is served through a repository only when a
/// <c>repository_blobs</c> row links them and the blob is <see cref="BlobState.Ready"/>, so a digest known in one
/// (private) repository never leaks through another.
/// </remarks>
public sealed class BlobService(BerthDbContext db, IStorageDriver storage, TimeProvider clock)
{
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

    /// <summary>Links an existing ready blob to a repository (idempotent).</summary>
    public async Task LinkAsync(long repositoryId, long blobId, CancellationToken cancellationToken)
    {
        if (await db.RepositoryBlobs.AnyAsync(l => l.RepositoryId == repositoryId && l.BlobId == blobId, cancellationToken))
        {
            return;
        }

        var link = new RepositoryBlob { RepositoryId = repositoryId, BlobId = blobId, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.RepositoryBlobs.Add(link);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another push linked it first; anything else is a real failure.
            db.Entry(link).State = EntityState.Detached;
            if (!await db.RepositoryBlobs.AsNoTracking().AnyAsync(l => l.RepositoryId == repositoryId && l.BlobId == blobId, cancellationToken))
            {
                throw;
            }
        }
    }

    /// <summary>Makes the verified bytes at <paramref name="sourcePath"/> the registry's blob <paramref name="digest"/>.</summary>
    /// <remarks>
    /// Content-addressed: when the blob exists the source is dropped; otherwise the bytes are moved into place (durably)
    /// before the row that announces them is written, so a row never points at missing bytes. Two uploads of one
    /// digest may both move: the bytes are the same, and the unique index lets one row win.
    /// </remarks>
    public async Task<long> CommitAsync(Digest digest, long size, string sourcePath, CancellationToken cancellationToken)
    {
        var existing = await db.Blobs.AsNoTracking().Where(b => b.Digest == digest.Value)
            .Select(b => new { b.Id, b.State }).FirstOrDefaultAsync(cancellationToken);
        if (existing is { State: BlobState.Ready })
        {
            await DeleteQuietlyAsync(sourcePath);
            await TouchAsync(existing.Id, cancellationToken);
            return existing.Id;
        }

        if (existing is not null)
        {
            // GC (issue 4) is removing these bytes right now; the push must not resurrect a row it is deleting.
            throw DistributionException.Of(ErrorCode.BlobUploadInvalid,
                "the blob is being garbage-collected at this moment; retry the upload", digest.Value, status: 409);
        }

        await storage.MoveAsync(sourcePath, StoragePaths.Blob(digest), cancellationToken);
        return await InsertRowAsync(digest, size, cancellationToken);
    }

    /// <summary>Stores a small blob (a manifest) from memory, unless the registry already has it.</summary>
    public async Task<long> PutSmallAsync(Digest digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var existing = await db.Blobs.AsNoTracking().Where(b => b.Digest == digest.Value && b.State == BlobState.Ready)
            .Select(b => b.Id).FirstOrDefaultAsync(cancellationToken);
        if (existing != 0)
        {
            return existing;
        }

        await storage.PutContentAsync(StoragePaths.Blob(digest), content, cancellationToken);
        return await InsertRowAsync(digest, content.Length, cancellationToken);
    }

    private async Task<long> InsertRowAsync(Digest digest, long size, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var blob = new Blob { Digest = digest.Value, Size = size, State = BlobState.Ready, CreatedAt = now, UpdatedAt = now };
        db.Blobs.Add(blob);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return blob.Id;
        }
        catch (DbUpdateException)
        {
            db.Entry(blob).State = EntityState.Detached;
            return await db.Blobs.AsNoTracking().Where(b => b.Digest == digest.Value).Select(b => b.Id).FirstAsync(cancellationToken);
        }
    }

    private Task<int> TouchAsync(long blobId, CancellationToken cancellationToken) =>
        db.Blobs.Where(b => b.Id == blobId)
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
