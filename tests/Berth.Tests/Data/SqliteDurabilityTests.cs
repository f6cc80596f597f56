using Berth.Data;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Data;

/// <summary>The embedded default's database settings, on a server that runs SQLite whichever database the other tests use.</summary>
public sealed class SqliteDurabilityTests
{
    /// <summary>An acknowledged push must survive a power cut: WAL, and every commit synced (synchronous=FULL).</summary>
    [Fact]
    public async Task The_database_runs_in_wal_mode_with_synced_commits()
    {
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Database:Url"] = "" });
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        command.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        // The busy handler (BusyTimeoutInterceptor) replaces busy_timeout, which reads 0 once a handler is set.
        command.CommandText = "PRAGMA busy_timeout";
        Assert.Equal(0L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
