using Berth.Data;
using Berth.Data.Postgres;
using Berth.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Berth.Testing;

/// <summary>Direct access to a data directory's database (SQLite, or the PostgreSQL one <see cref="TestDatabase"/> made), for tests that set the stage or check what processes left.</summary>
public static class DataDirectory
{
    public static BerthDbContext Open(string directory)
    {
        var builder = new DbContextOptionsBuilder<BerthDbContext>();
        if (TestDatabase.UrlOf(directory) is { } postgres)
        {
            builder.UseNpgsql(PostgresDatabase.ConnectionString(postgres));
        }
        else
        {
            builder.UseBerthSqlite(SqliteDatabase.ConnectionString(Path.Join(directory, "berth.db")));
        }

        return new BerthDbContext(builder.Options);
    }
}
