using System.Buffers;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Blobs;
using Berth.Distribution.Repositories;
using Berth.Oci;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Uploads;

/// <summary>Upload sessions: opening, appending chunks, completing into a blob, cancelling.</summary>
/// <remarks>
/// The session row lives in the database and its bytes in the store, so a chunked upload may hop between replicas.
/// The store's object is the truth about how many bytes arrived: a chunk counts once its writer committed.
/// </remarks>
public sealed class UploadService(
    BerthDbContext db, IStorageDriver storage, UploadHashes hashes, BlobService blobs, RepositoryStore repositories,
    IOptions<UploadPurgeOptions> purgeOptions, TimeProvider clock)
{
    /// <summary>How stale a session's <c>UpdatedAt</c> may grow while chunks arrive before a chunk writes it again.</summary>
    private TimeSpan RefreshAfter => TimeSpan.FromMinutes(1) < purgeOptions.Value.MaxAge / 4 ? TimeSpan.FromMinutes(1) : purgeOptions.Value.MaxAge / 4;

    public async Task<UploadSession> StartAsync(string name, CancellationToken cancellationToken)
    {
        var repositoryId = await repositories.GetOrCreateAsync(name, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var session = new UploadSession { Id = Guid.NewGuid(), RepositoryId = repositoryId, CreatedAt = now, UpdatedAt = now };
        // One statement, not tracked: every later write on the session is a single statement too.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO upload_sessions ("Id", "RepositoryId", "Offset", "CreatedAt", "UpdatedAt")
            VALUES ({session.Id}, {session.RepositoryId}, 0, {session.CreatedAt}, {session.UpdatedAt})
            """, cancellationToken);
        return session;
    }

    /// <summary>The session <paramref name="id"/> of repository <paramref name="name"/>, or <c>BLOB_UPLOAD_UNKNOWN</c>.</summary>
    public async Task<UploadSession> FindAsync(string name, string id, CancellationToken cancellationToken)
    {
        var sessionId = ParseId(id);
        return await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId && s.Repository!.Name == name, cancellationToken)
            ?? throw DistributionException.Of(ErrorCode.BlobUploadUnknown, detail: id);
    }

    /// <summary>The session id of an upload URL, or <c>BLOB_UPLOAD_UNKNOWN</c>.</summary>
    public static Guid ParseId(string id) =>
        Guid.TryParseExact(id, "D", out var sessionId) || Guid.TryParseExact(id, "N", out sessionId)
            ? sessionId
            : throw DistributionException.Of(ErrorCode.BlobUploadUnknown, detail: id.Length <= 100 ? id : null);

    /// <summary>How many bytes the session holds.</summary>
    public async Task<long> SizeAsync(UploadSession session, CancellationToken cancellationToken) =>
        (await storage.StatAsync(StoragePaths.Upload(session.Id), cancellationToken))?.Size ?? 0;

    /// <summary>Streams one chunk onto the session; returns where the chunk began and the session's new size.</summary>
    /// <param name="session">The session.</param>
    /// <param name="body">The request body.</param>
    /// <param name="range">The chunk's <c>Content-Range</c>, when the client sent one: it must start where the session stands.</param>
    /// <param name="declaredLength">The request's <c>Content-Length</c>, when it has one.</param>
    /// <param name="lease">The session's lock when this is the request's last write on the session (a PATCH): the write that records the new size releases it.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public async Task<(long Start, long Size)> AppendAsync(UploadSession session, Stream body, ContentRange? range, long? declaredLength,
        UploadLocks.UploadLease? lease, CancellationToken cancellationToken)
    {
        if (range is { } declaredRange && declaredLength is { } length && length != declaredRange.Length)
        {
            throw DistributionException.Of(ErrorCode.SizeInvalid,
                $"Content-Range covers {declaredRange.Length} bytes but Content-Length is {length}");
        }

        await using var writer = await storage.OpenWriteAsync(StoragePaths.Upload(session.Id), append: true, cancellationToken);
        var start = writer.Size;
        if (range is { } r && r.Start != start)
        {
            throw new OutOfOrderChunkException(start);
        }

        var expected = range?.Length ?? declaredLength;
        var hash = hashes.Take(session.Id, start);
        long received;
        try
        {
            received = await ChunkWriter.CopyAsync(body, writer, hash, expected, cancellationToken);
        }
        catch
        {
            hash?.Dispose();
            throw;
        }

        if (expected is { } want && received != want)
        {
            hash?.Dispose();
            await writer.CancelAsync(CancellationToken.None);
            throw DistributionException.Of(ErrorCode.SizeInvalid, $"the chunk declared {want} bytes but the body held {received}");
        }

        await writer.CommitAsync(cancellationToken);
        var size = writer.Size;
        if (hash is not null)
        {
            hashes.Return(session.Id, hash, size);
        }

        await RecordAsync(session, size, lease);
        return (start, size);
    }

    /// <summary>
    /// Records where the session stands. The store's object is the truth about its size, so the row is written only
    /// when the write releases a replica's lease anyway, or when its <c>UpdatedAt</c> has grown stale enough that the
    /// purge would come to see a live upload as idle; a chunk otherwise costs the database nothing.
    /// </summary>
    /// <remarks>Not cancelled with the request: the chunk is stored by now, and this write may be the lease's release.</remarks>
    private async Task RecordAsync(UploadSession session, long size, UploadLocks.UploadLease? lease)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = lease is null ? null : await lease.HandOverAsync();
        if (token is null && now - session.UpdatedAt < RefreshAfter)
        {
            return;
        }

        var row = db.UploadSessions.Where(s => s.Id == session.Id);
        if (token is { } held)
        {
            row = row.Where(s => s.LeaseToken == held);
        }

        await row.ExecuteUpdateAsync(s => s
            .SetProperty(x => x.Offset, size).SetProperty(x => x.UpdatedAt, now)
            .SetProperty(x => x.LeaseToken, (Guid?)null).SetProperty(x => x.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
    }

    /// <summary>Verifies the whole upload against <paramref name="digest"/> and makes it a blob of the session's repository.</summary>
    /// <param name="session">The session.</param>
    /// <param name="digest">The digest the client says the upload has.</param>
    /// <param name="lease">The session's lock, if the request holds one: deleting the completed session releases it.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public async Task CompleteAsync(UploadSession session, Digest digest, UploadLocks.UploadLease? lease, CancellationToken cancellationToken)
    {
        var path = StoragePaths.Upload(session.Id);
        var info = await storage.StatAsync(path, cancellationToken);
        if (info is null && session.CompletingDigest == digest.Value)
        {
            // A completion of this digest, verified, died after moving the bytes (its replica crashed, or the client
            // lost the answer): the bytes are at the blob's path, and this retry finishes what it started.
            await blobs.CommitMovedAsync(digest, session.RepositoryId, cancellationToken);
            await EndAsync(session, lease);
            return;
        }

        if (info is null)
        {
            await storage.PutContentAsync(path, ReadOnlyMemory<byte>.Empty, cancellationToken);
        }

        var size = info?.Size ?? 0;
        var actual = await ComputeDigestAsync(session.Id, path, size, digest.Algorithm, cancellationToken);
        if (!actual.Equals(digest))
        {
            await CancelAsync(session, CancellationToken.None);
            throw DistributionException.Of(ErrorCode.DigestInvalid,
                $"the uploaded content has digest {actual.Value}, not {digest.Value}", digest.Value);
        }

        // Recorded before the bytes leave the session's path, so that a retry after a crash in between can finish.
        await db.UploadSessions.Where(s => s.Id == session.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.CompletingDigest, digest.Value), cancellationToken);
        session.CompletingDigest = digest.Value;
        try
        {
            await blobs.CommitAsync(digest, size, path, session.RepositoryId, cancellationToken);
        }
        catch (DistributionException e) when (e.Error.Code == ErrorCode.Denied)
        {
            // Over quota: retrying cannot help, so the session ends here (its bytes, if already stored, are GC's).
            await CancelAsync(session, CancellationToken.None);
            throw;
        }

        await EndAsync(session, lease);
    }

    /// <summary>Removes a completed session: its row (and with it any lease on it) and whatever is left at its path.</summary>
    private async Task EndAsync(UploadSession session, UploadLocks.UploadLease? lease)
    {
        if (lease is not null)
        {
            await lease.HandOverAsync();
        }

        await db.UploadSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(CancellationToken.None);
        await DeleteDataAsync(session.Id);
    }

    public async Task CancelAsync(UploadSession session, CancellationToken cancellationToken)
    {
        hashes.Forget(session.Id);
        await db.UploadSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(cancellationToken);
        await DeleteDataAsync(session.Id);
    }

    /// <summary>The running hash when this process saw every byte; otherwise one pass over the stored upload.</summary>
    private async Task<Digest> ComputeDigestAsync(Guid sessionId, string path, long size, string algorithm, CancellationToken cancellationToken)
    {
        var running = algorithm == Digest.Sha256 ? hashes.Take(sessionId, size) : null;
        if (running is null && size == 0)
        {
            running = Digest.CreateHash(algorithm);
        }

        if (running is not null)
        {
            using (running)
            {
                return Digest.FromHash(algorithm, running.GetHashAndReset());
            }
        }

        hashes.Forget(sessionId);
        using var hash = Digest.CreateHash(algorithm);
        await using var stream = await storage.OpenReadAsync(path, 0, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Digest.FromHash(algorithm, hash.GetHashAndReset());
    }

    private async Task DeleteDataAsync(Guid sessionId)
    {
        try
        {
            await storage.DeleteAsync(StoragePaths.UploadDirectory(sessionId), CancellationToken.None);
        }
        catch (StoragePathNotFoundException)
        {
        }
    }
}

/// <summary>A chunk that does not start where the session stands (the spec's 416).</summary>
public sealed class OutOfOrderChunkException(long size) : Exception($"the upload holds {size} bytes")
{
    public long Size { get; } = size;
}
