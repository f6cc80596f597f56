using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.Data.Postgres;

/// <summary>Wires <see cref="BerthDbContext"/> to PostgreSQL with this assembly's migrations.</summary>
public static class PostgresDatabase
{
    /// <summary>True for the URLs this provider takes: <c>postgres://</c> and <c>postgresql://</c>.</summary>
    public static bool IsPostgresUrl(string? url) =>
        url is not null && (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Npgsql's connection string for <c>postgres://user:password@host:port/database?sslmode=…</c>.</summary>
    /// <remarks>
    /// Query parameters are Npgsql's own keywords (<c>sslmode</c>, <c>maximum pool size</c>, <c>timeout</c>, …), and override
    /// the URL's parts: <c>?host=%2Fvar%2Frun%2Fpostgresql</c> reaches a server by its socket directory. Connections are
    /// pooled; opening one waits at most 10 s and a command at most 30 s unless the URL says otherwise, so a stalled
    /// server becomes an error, not a hang. Statements a connection runs often are prepared on the server
    /// (<c>max auto prepare</c> 64), which halves PostgreSQL's work per manifest lookup; behind a pooler that cannot keep
    /// prepared statements (PgBouncer in transaction mode), <c>?max+auto+prepare=0</c> turns it off.
    /// </remarks>
    /// <exception cref="ArgumentException">The URL is malformed; the message names what, never the password.</exception>
    public static string ConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsPostgresUrl(url))
        {
            throw new ArgumentException("the database URL must look like postgres://user:password@host:port/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length > 0 ? uri.Host : "localhost",
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Pooling = true,
            Timeout = 10,
            CommandTimeout = 30,
            MaxAutoPrepare = 64,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("the database URL must name one database: postgres://user:password@host:port/database");
        }

        builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0].Replace('+', ' '));
            try
            {
                builder[key] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
            {
                throw new ArgumentException($"the database URL's parameter '{key}' is not one Npgsql knows, or its value is wrong");
            }
        }

        return builder.ConnectionString;
    }

    public static DbContextOptionsBuilder UseBerthPostgres(this DbContextOptionsBuilder builder, NpgsqlDataSource dataSource) =>
        builder.UseNpgsql(dataSource, postgres => postgres.MigrationsAssembly(typeof(PostgresDatabase).Assembly.GetName().Name));
}
