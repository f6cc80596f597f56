using Berth.Data.Postgres;
using Berth.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.Testing;

/// <summary>
/// A database as a test server's first start leaves it (migrated, the administrator, the signing key, the test projects),
/// made once per test process and copied for each new server that takes the defaults.
/// </summary>
/// <remarks>
/// A first start spends most of its second generating the RSA signing key, hashing the administrator's password and
/// migrating; hundreds of test servers did it each. A copy is a file copy on SQLite and <c>CREATE DATABASE … TEMPLATE</c>
/// on PostgreSQL. Every server still gets its own database; they share the signing key and the administrator's password
/// hash (a fast one, <see cref="TestCredentials.FastHash"/>), which no test compares across servers. A server given its
/// own data directory, database or administrator settings starts as a real first start does.
/// </remarks>
public static class TestTemplate
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _sqliteFile;
    private static string? _postgresName;

    /// <summary>Whether a server with <paramref name="settings"/> may start from the template.</summary>
    public static bool Applies(IReadOnlyDictionary<string, string?>? settings) =>
        settings is null || !settings.Keys.Any(k =>
            k.Equals("Server:DataDirectory", StringComparison.OrdinalIgnoreCase)
            || k.Equals(DatabaseOptions.UrlKey, StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Admin:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Gives the new, empty <paramref name="dataDirectory"/> a copy of the template database.</summary>
    public static async Task CopyIntoAsync(string dataDirectory)
    {
        await Gate.WaitAsync();
        try
        {
            if (TestDatabase.UsePostgres)
            {
                _postgresName ??= await MakeAsync();
                var name = "berth_" + Guid.NewGuid().ToString("N");
                await using (var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(TestDatabase.PostgresServer)))
                {
                    await connection.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{_postgresName}\"", connection);
                    await create.ExecuteNonQueryAsync();
                }

                await TestDatabase.MarkAsync(dataDirectory, name);
            }
            else
            {
                _sqliteFile ??= await MakeAsync();
                File.Copy(_sqliteFile, Path.Join(dataDirectory, "berth.db"));
                if (File.Exists(_sqliteFile + "-wal"))
                {
                    File.Copy(_sqliteFile + "-wal", Path.Join(dataDirectory, "berth.db-wal"));
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Starts a server once on a fresh database and keeps what it left: the SQLite file's path or the database's name.</summary>
    private static async Task<string> MakeAsync()
    {
        var directory = Directory.CreateTempSubdirectory("berth-template-").FullName;
        var url = await TestDatabase.CreateAsync(directory);
        var settings = new Dictionary<string, string?>
        {
            ["Server:Listen"] = "127.0.0.1:0",
            ["Server:DataDirectory"] = directory,
            ["Admin:Password"] = TestCredentials.AdminPassword,
            ["Jobs:Enabled"] = "false",
            [DatabaseOptions.UrlKey] = url ?? "",
        };
        var app = BerthApp.Build(BerthConfiguration.Build(null, settings));
        await BerthApp.MigrateAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        await TestCredentials.CreateProjectsAsync(directory);
        await using (var db = DataDirectory.Open(directory))
        {
            // The administrator signs in on every test server: its stored hash is a fast one (TestCredentials.FastHash).
            await db.Users.Where(u => u.Username == Berth.Auth.IdentityBootstrap.AdminName)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordHash, TestCredentials.FastHash(TestCredentials.AdminPassword)));
        }


        if (url is not null)
        {
            // No connection may stay on a template database, or copying it fails.
            NpgsqlConnection.ClearAllPools();
            var name = new Uri(url).AbsolutePath.TrimStart('/');
            await using var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(TestDatabase.PostgresServer));
            await connection.OpenAsync();
            await using var seal = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", connection);
            await seal.ExecuteNonQueryAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                Directory.Delete(directory, recursive: true);
                DropTemplate(name);
            };
            return name;
        }

        // Closing every pooled connection checkpoints the write-ahead log into the file, which is then whole.
        SqliteConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return Path.Join(directory, "berth.db");
    }

    /// <summary>
    /// Drops a PostgreSQL template when the test process ends, so that a developer's own server does not gather one per
    /// run; a template still being copied from, or a server already gone, is left as it is.
    /// </summary>
    private static void DropTemplate(string name)
    {
        try
        {
            using var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(TestDatabase.PostgresServer));
            connection.Open();
            using var unseal = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false", connection);
            unseal.ExecuteNonQuery();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\"", connection);
            drop.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
        }
    }
}
