using Berth.Data;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Uploads;

/// <summary>One request at a time per upload session, across every replica.</summary>
/// <remarks>
/// <para>A client that retries a chunk after its connection broke may reach a server while the broken request is still
/// rolling its half chunk back, possibly on another replica; without this the two would interleave on one object. The
/// retry waits for the rollback, then sees the true size.</para>
/// <para>Within a process, requests queue on a semaphore, kept while a request holds or waits for it. Across replicas,
/// the holder takes a lease on the session's row (one conditional UPDATE, as job claims do) and renews it while the
/// request runs; a replica that dies holding it lets go when the lease lapses. SQLite is served by one process only, so
/// there the semaphore is the whole lock and an upload's requests write no lease rows.</para>
/// <para>Callers read the session after they hold its lock, not before: what they read (its size, a completion in
/// progress) is then what the request before them left, and that read also tells whether the session still exists.</para>
/// </remarks>
public sealed partial class UploadLocks(IServiceScopeFactory scopes, TimeProvider clock, ILogger<UploadLocks> logger)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly Dictionary<Guid, Entry> _locks = [];
    private readonly TimeProvider _clock = clock;
    private readonly ILogger _logger = logger;
    private bool? _shared;

    /// <summary>How long a lease lasts unless renewed; it is renewed at a third of this.</summary>
    /// <remarks>
    /// Well under <see cref="Wait"/>: a replica that dies holding the lease blocks its upload this long, and the request that
    /// arrives right then (a balancer resends an idempotent <c>PUT</c> at once) must get the session, not give up as it lapses.
    /// </remarks>
    public static TimeSpan Lease { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Holds the session's lock until the returned lease is disposed.</summary>
    /// <remarks>
    /// A session that no longer exists is "held" at once. Where a lease row is taken, <see cref="UploadLease.SessionExists"/>
    /// says so; on SQLite nothing is read here, and the caller's read of the session, made under the lock, tells.
    /// </remarks>
    public async Task<UploadLease> AcquireAsync(Guid session, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Wait;
        var entry = Enter(session);
        try
        {
            if (!await entry.Semaphore.WaitAsync(Wait, cancellationToken))
            {
                throw Busy();
            }
        }
        catch
        {
            Leave(session, entry);
            throw;
        }

        try
        {
            if (!IsShared())
            {
                return new UploadLease(this, entry, session, null, true);
            }

            var token = Guid.NewGuid();
            while (true)
            {
                switch (await TryLeaseAsync(session, token, cancellationToken))
                {
                    case LeaseResult.Taken:
                        return new UploadLease(this, entry, session, token, true);
                    case LeaseResult.NoSession:
                        return new UploadLease(this, entry, session, null, false);
                }

                if (TimeProvider.System.GetUtcNow() >= deadline)
                {
                    throw Busy();
                }

                await Task.Delay(Poll, cancellationToken);
            }
        }
        catch
        {
            entry.Semaphore.Release();
            Leave(session, entry);
            throw;
        }
    }

    /// <summary>How many sessions have a request holding or waiting for their lock in this process.</summary>
    public int Count
    {
        get
        {
            lock (_locks)
            {
                return _locks.Count;
            }
        }
    }

    /// <summary>The session's semaphore, counted as used until <see cref="Leave"/>: it is dropped when nobody holds or waits for it.</summary>
    private Entry Enter(Guid session)
    {
        lock (_locks)
        {
            if (!_locks.TryGetValue(session, out var entry))
            {
                _locks[session] = entry = new Entry();
            }

            entry.Users++;
            return entry;
        }
    }

    private void Leave(Guid session, Entry entry)
    {
        lock (_locks)
        {
            if (--entry.Users == 0)
            {
                _locks.Remove(session);
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        /// <summary>Requests holding or waiting for the semaphore; guarded by the dictionary's lock.</summary>
        public int Users { get; set; }
    }

    private static DistributionException Busy() =>
        DistributionException.Of(ErrorCode.BlobUploadInvalid,
            "another request on this upload is still in progress; retry when it has finished", status: StatusCodes.Status409Conflict);

    private enum LeaseResult
    {
        Taken,
        Held,
        NoSession,
    }

    /// <summary>Whether other processes may serve the same sessions: every database but SQLite.</summary>
    private bool IsShared()
    {
        if (_shared is not { } shared)
        {
            using var scope = scopes.CreateScope();
            _shared = shared = !scope.ServiceProvider.GetRequiredService<BerthDbContext>().Database.IsSqlite();
        }

        return shared;
    }

    private async Task<LeaseResult> TryLeaseAsync(Guid session, Guid token, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var now = _clock.GetUtcNow().UtcDateTime;
        var expires = now + Lease;
        var taken = await db.UploadSessions
            .Where(s => s.Id == session && (s.LeaseExpiresAt == null || s.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseToken, token).SetProperty(x => x.LeaseExpiresAt, expires), cancellationToken);
        if (taken == 1)
        {
            return LeaseResult.Taken;
        }

        return await db.UploadSessions.AnyAsync(s => s.Id == session, cancellationToken) ? LeaseResult.Held : LeaseResult.NoSession;
    }

    /// <summary>Extends the lease; false when it was lost (it lapsed and another request took it, or the session ended).</summary>
    private async Task<bool> RenewAsync(Guid session, Guid token, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var expires = _clock.GetUtcNow().UtcDateTime + Lease;
        return await db.UploadSessions.Where(s => s.Id == session && s.LeaseToken == token)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseExpiresAt, expires), cancellationToken) == 1;
    }

    private async Task ReleaseAsync(Guid session, Guid token)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
            await db.UploadSessions.Where(s => s.Id == session && s.LeaseToken == token)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseToken, (Guid?)null).SetProperty(x => x.LeaseExpiresAt, (DateTime?)null));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease lapses by itself; the next request waits at most that long.
            LogReleaseFailed(_logger, e, session);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {Session}: the lease could not be released; it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {Session}: the lease could not be renewed; another request may take the session")]
    private static partial void LogRenewFailed(ILogger logger, Exception? exception, Guid session);

    /// <summary>The held lock of one upload session; disposing it lets the next request in.</summary>
    public sealed class UploadLease : IAsyncDisposable
    {
        private readonly UploadLocks _owner;
        private readonly Entry _entry;
        private readonly Guid _session;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;
        private Guid? _token;
        private int _released;

        internal UploadLease(UploadLocks owner, Entry entry, Guid session, Guid? token, bool exists)
        {
            (_owner, _entry, _session, _token, SessionExists) = (owner, entry, session, token, exists);
            _renewing = token is { } held ? RenewLoopAsync(held) : Task.CompletedTask;
        }

        /// <summary>False when taking the lease row showed that the session is gone (a request before this one completed or cancelled it).</summary>
        public bool SessionExists { get; }

        /// <summary>
        /// Stops renewing the lease row and leaves its release to the caller's own last write on the session (which
        /// clears the lease columns where they still hold the returned token, or deletes the row): one write, not two.
        /// </summary>
        /// <returns>The lease row's token, or null when no row was leased (SQLite; a session that had ended).</returns>
        public async Task<Guid?> HandOverAsync()
        {
            await StopRenewingAsync();
            var token = _token;
            _token = null;
            return token;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            await StopRenewingAsync();
            _stop.Dispose();
            if (_token is { } token)
            {
                await _owner.ReleaseAsync(_session, token);
            }

            _entry.Semaphore.Release();
            _owner.Leave(_session, _entry);
        }

        private async Task StopRenewingAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _renewing;
        }

        private async Task RenewLoopAsync(Guid token)
        {
            using var timer = new PeriodicTimer(Lease / 3);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    try
                    {
                        if (!await _owner.RenewAsync(_session, token, _stop.Token))
                        {
                            LogRenewFailed(_owner._logger, null, _session);
                            return;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                    {
                        LogRenewFailed(_owner._logger, e, _session);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
