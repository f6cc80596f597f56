using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Berth.Data.Sqlite;

/// <summary>Wires <see cref="BerthDbContext"/> to SQLite with this assembly's migrations.</summary>
public static class SqliteDatabase
{
    /// <summary>The connection string for the database file <paramref name="path"/>.</summary>
    /// <remarks>
    /// Shared cache stays off (WAL gives readers their own snapshots); the pool keeps connections open so the
    /// per-connection pragmas are paid once. A busy database is waited on for up to <see cref="BusyTimeoutSeconds"/>.
    /// </remarks>
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = BusyTimeoutSeconds,
    }.ToString();

    public const int BusyTimeoutSeconds = 30;

    private static readonly BusyTimeoutInterceptor BusyTimeout = new(TimeSpan.FromSeconds(BusyTimeoutSeconds));

    public static DbContextOptionsBuilder UseBerthSqlite(this DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(SqliteDatabase).Assembly.GetName().Name))
            .AddInterceptors(BusyTimeout);

    /// <summary>Switches the database to WAL (a property of the file, so once is enough) with fsync on every commit.</summary>
    public static async Task ConfigureFileAsync(BerthDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
