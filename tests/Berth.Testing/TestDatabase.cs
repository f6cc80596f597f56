using Berth.Data.Postgres;
using Npgsql;

namespace Berth.Testing;

/// <summary>
/// Which database the test servers use: SQLite in their data directory, or, when <c>BERTH_TEST_DATABASE=postgres</c>,
/// a fresh PostgreSQL database each on the server <c>BERTH_TEST_POSTGRES</c> names (<c>./test.sh</c> starts one).
/// </summary>
/// <remarks>The database's URL is kept in the data directory, so that <see cref="DataDirectory.Open"/> finds it.</remarks>
public static class TestDatabase
{
    private const string MarkerFile = "test-database-url";

    public static bool UsePostgres => string.Equals(Environment.GetEnvironmentVariable("BERTH_TEST_DATABASE"), "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The PostgreSQL server's URL (any database on it), or a clear failure when PostgreSQL was asked for but not given.</summary>
    public static string PostgresServer => Environment.GetEnvironmentVariable("BERTH_TEST_POSTGRES") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException("BERTH_TEST_DATABASE=postgres needs BERTH_TEST_POSTGRES=postgres://user@host:port/db (./test.sh sets both)");

    /// <summary>For a new data directory: the <c>Database:Url</c> to give the server, or null for SQLite.</summary>
    public static async Task<string?> CreateAsync(string dataDirectory) => UsePostgres ? await CreatePostgresAsync(dataDirectory) : null;

    /// <summary>
    /// A fresh database on the PostgreSQL server whatever <c>BERTH_TEST_DATABASE</c> says, for tests that need PostgreSQL itself
    /// (replicas sharing one database); returns its URL. <see cref="DropAsync"/> drops it.
    /// </summary>
    /// <remarks>Without <c>BERTH_TEST_POSTGRES</c> the test fails under CI and is skipped elsewhere.</remarks>
    public static async Task<string> CreatePostgresAsync(string dataDirectory)
    {
        if (Environment.GetEnvironmentVariable("BERTH_TEST_POSTGRES") is not { Length: > 0 })
        {
            throw TestRequirement.Missing("BERTH_TEST_POSTGRES is not set: ./test.sh starts a private PostgreSQL and sets it");
        }

        var name = "berth_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(PostgresServer)))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return await MarkAsync(dataDirectory, name);
    }

    /// <summary>Records that <paramref name="dataDirectory"/>'s server uses the database <paramref name="name"/>, and returns its URL.</summary>
    public static async Task<string> MarkAsync(string dataDirectory, string name)
    {
        var server = new UriBuilder(PostgresServer) { Path = "/" + name, Query = "" };
        var url = server.Uri.ToString();
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllTextAsync(Path.Join(dataDirectory, MarkerFile), url);
        return url;
    }

    /// <summary>The PostgreSQL URL a data directory's server used, or null when it used SQLite.</summary>
    public static string? UrlOf(string dataDirectory)
    {
        var marker = Path.Join(dataDirectory, MarkerFile);
        return File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
    }

    /// <summary>Drops the data directory's PostgreSQL database, if it had one.</summary>
    public static async Task DropAsync(string dataDirectory)
    {
        if (UrlOf(dataDirectory) is not { } url)
        {
            return;
        }

        var name = new Uri(url).AbsolutePath.TrimStart('/');
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(PostgresServer));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
