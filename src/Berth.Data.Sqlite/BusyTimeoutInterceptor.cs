using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Berth.Data.Sqlite;

/// <summary>Lets SQLite wait for a busy database, retrying every millisecond, instead of failing at once.</summary>
/// <remarks>
/// <para>
/// Without a busy handler SQLite reports a busy database immediately and Microsoft.Data.Sqlite retries after a
/// blocking 150 ms sleep. SQLite's own handler (<c>busy_timeout</c>) sleeps 1, 2, 5, 10, 15, 20, 25 … 100 ms between
/// tries: with four clients pushing at once a writer waited up to 25 ms for a lock freed a millisecond after it went to
/// sleep, some 80 ms of waiting per image pushed. This handler tries again after each millisecond until
/// <see cref="Timeout"/>, so a writer gets the lock about when it is freed.
/// </para>
/// <para>
/// The handler belongs to the connection and pooled connections keep it, but the pool does not tell us which open is
/// the first, so it is set on each. It runs on the thread that is stepping the statement, as SQLite's own does.
/// </para>
/// </remarks>
public sealed partial class BusyTimeoutInterceptor(TimeSpan timeout) : DbConnectionInterceptor
{
    [ThreadStatic]
    private static long _waitingSince;

    private static long _retries;

    /// <summary>How often, in this process, a statement on a busy database was tried again.</summary>
    public static long Retries => Interlocked.Read(ref _retries);

    private readonly nint _timeoutTicks = (nint)Math.Min(timeout.TotalSeconds * Stopwatch.Frequency, nint.MaxValue);

    /// <summary>How long one statement waits for a busy database before SQLite reports it busy.</summary>
    public TimeSpan Timeout { get; } = timeout;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Install(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Install(connection);
        return Task.CompletedTask;
    }

    private unsafe void Install(DbConnection connection)
    {
        var handle = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("the SQLite connection has no handle");
        var result = SetBusyHandler(handle.DangerousGetHandle(), &OnBusy, _timeoutTicks);
        if (result != 0)
        {
            throw new SqliteException($"sqlite3_busy_handler failed ({result})", result);
        }
    }

    /// <summary>SQLite asks whether to try a busy statement again.</summary>
    /// <param name="timeoutTicks">The timeout in <see cref="Stopwatch"/> ticks, passed as the handler's argument.</param>
    /// <param name="count">How often SQLite already asked in this wait (0 the first time).</param>
    /// <returns>Non-zero to try again, zero to report the database busy.</returns>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnBusy(nint timeoutTicks, int count)
    {
        var now = Stopwatch.GetTimestamp();
        if (count == 0)
        {
            _waitingSince = now;
        }
        else if (now - _waitingSince >= timeoutTicks)
        {
            return 0;
        }

        Thread.Sleep(1);
        Interlocked.Increment(ref _retries);
        return 1;
    }

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_busy_handler")]
    private static unsafe partial int SetBusyHandler(nint db, delegate* unmanaged[Cdecl]<nint, int, int> handler, nint argument);
}
