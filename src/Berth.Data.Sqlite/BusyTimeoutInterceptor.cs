using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Berth.Data.Sqlite;

/// <summary>Lets SQLite itself wait for a busy database, in short steps, instead of failing at once.</summary>
/// <remarks>
/// Without <c>busy_timeout</c> SQLite reports a busy database immediately and Microsoft.Data.Sqlite retries after a
/// blocking 150 ms sleep on a thread-pool thread: with four clients pushing at once that added whole 150 ms steps to
/// upload requests. SQLite's own busy handler retries after 1, 2, 5, 10 … ms. The setting belongs to the connection
/// and pooled connections keep it, but the pool does not tell us which open is the first, so it is set on each.
/// </remarks>
public sealed class BusyTimeoutInterceptor : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA busy_timeout={SqliteDatabase.BusyTimeoutSeconds * 1000};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
