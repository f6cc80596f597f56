using Berth.Data;
using Berth.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Berth.Testing;

/// <summary>Direct access to a data directory's database, for tests that set the stage or check what processes left.</summary>
public static class DataDirectory
{
    public static BerthDbContext Open(string directory)
    {
        var builder = new DbContextOptionsBuilder<BerthDbContext>();
        builder.UseBerthSqlite(SqliteDatabase.ConnectionString(Path.Join(directory, "berth.db")));
        return new BerthDbContext(builder.Options);
    }
}
