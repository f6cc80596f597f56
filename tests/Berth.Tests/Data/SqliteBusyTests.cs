using System.Diagnostics;
using Berth.Data;
using Berth.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Berth.Tests.Data;

/// <summary>
/// Two connections to one SQLite file, the second writing while the first holds the write lock: the second waits
/// (asking again every millisecond), goes on once the first commits, and gives up at its timeout.
/// </summary>
public sealed class SqliteBusyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("berth-busy-").FullName;

    private readonly HashSet<string> _connectionStrings = [];

    private string DatabaseFile => Path.Combine(_directory, "busy.db");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        // Only this test's pools: the other tests' pooled connections stay open.
        foreach (var connectionString in _connectionStrings)
        {
            using var connection = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(connection);
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_writer_waits_for_another_connections_write_and_goes_on_once_it_commits()
    {
        var busy = new BusyTimeoutInterceptor(TimeSpan.FromSeconds(30));
        await using var holder = Open(busy);
        await using var writer = Open(busy);
        await holder.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL; CREATE TABLE t (v INTEGER)", Token);

        await holder.Database.OpenConnectionAsync(Token);
        await holder.Database.ExecuteSqlRawAsync("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)", Token);
        var before = BusyTimeoutInterceptor.Retries;
        var write = Task.Run(() => writer.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (2)", Token), Token);

        // Berth's handler asks every millisecond and counts its asks; SQLite's own (busy_timeout) would count none. The
        // writer may take a while to start on a loaded thread pool (a PostgreSQL pass once saw no ask in the first 300 ms):
        // the window is counted from its first ask. The bound is low because a loaded machine stretches each 1 ms sleep (a
        // full test run beside two builds saw 20 asks in 300 ms).
        var stopwatch = Stopwatch.StartNew();
        while (BusyTimeoutInterceptor.Retries == before && !write.IsCompleted && stopwatch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10, Token);
        }

        var asked = BusyTimeoutInterceptor.Retries;
        Assert.True(asked > before, "the second writer never met the busy handler");
        await Task.Delay(300, Token);
        Assert.False(write.IsCompleted, "the second writer did not wait for the lock");
        Assert.True(BusyTimeoutInterceptor.Retries - asked >= 5, $"asked {BusyTimeoutInterceptor.Retries - asked} times in 300 ms");

        await holder.Database.ExecuteSqlRawAsync("COMMIT", Token);
        await write.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(2, await writer.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM t").SingleAsync(Token));
    }

    [Fact]
    public async Task A_writer_gives_up_at_its_timeout_while_the_lock_is_held()
    {
        var busy = new BusyTimeoutInterceptor(TimeSpan.FromMilliseconds(200));
        // Microsoft.Data.Sqlite retries a busy statement itself until the command timeout (1 s here): the whole wait
        // ends after about 1 s, long before the holder lets go.
        await using var holder = Open(busy, commandTimeoutSeconds: 1);
        await using var writer = Open(busy, commandTimeoutSeconds: 1);
        await holder.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL; CREATE TABLE t (v INTEGER)", Token);
        await holder.Database.OpenConnectionAsync(Token);
        await holder.Database.ExecuteSqlRawAsync("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)", Token);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SqliteException>(() => writer.Database.ExecuteSqlRawAsync("INSERT INTO t VALUES (2)", Token))
            .WaitAsync(TimeSpan.FromSeconds(20), Token);
        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"gave up only after {clock.Elapsed}");

        // The holder's transaction is untouched by the other's failure.
        await holder.Database.ExecuteSqlRawAsync("COMMIT", Token);
        Assert.Equal(1, await writer.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM t").SingleAsync(Token));
    }

    private BerthDbContext Open(BusyTimeoutInterceptor busy, int commandTimeoutSeconds = 30)
    {
        var connectionString = new SqliteConnectionStringBuilder(SqliteDatabase.ConnectionString(DatabaseFile))
        {
            DefaultTimeout = commandTimeoutSeconds,
        }.ToString();
        _connectionStrings.Add(connectionString);
        return new BerthDbContext(new DbContextOptionsBuilder<BerthDbContext>().UseSqlite(connectionString).AddInterceptors(busy).Options);
    }
}
