using System.Collections.Concurrent;
using Berth.Oci;

namespace Berth.Distribution.Uploads;

/// <summary>One request at a time per upload session, within this process.</summary>
/// <remarks>
/// A client that retries a chunk after its connection broke may reach the server while the broken request is still
/// rolling its half chunk back; without this the two would interleave on one object. The retry waits for the
/// rollback, then sees the true size. Replicas sharing one store need the same guarantee from the database; see
/// the HA issue.
/// </remarks>
public sealed class UploadLocks
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

    /// <summary>Holds the session's lock until the returned handle is disposed.</summary>
    public async Task<IDisposable> AcquireAsync(Guid session, CancellationToken cancellationToken)
    {
        var semaphore = _locks.GetOrAdd(session, _ => new SemaphoreSlim(1, 1));
        if (!await semaphore.WaitAsync(Wait, cancellationToken))
        {
            throw DistributionException.Of(ErrorCode.BlobUploadInvalid,
                "another request on this upload is still in progress; retry when it has finished", status: StatusCodes.Status409Conflict);
        }

        return new Handle(semaphore);
    }

    /// <summary>Drops the lock of a session that has ended (completed or cancelled).</summary>
    public void Forget(Guid session) => _locks.TryRemove(session, out _);

    private sealed class Handle(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
