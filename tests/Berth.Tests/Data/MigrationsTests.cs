using Berth.Data;
using Berth.Data.Postgres;
using Berth.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.Tests.Data;

/// <summary>Each provider's migrations describe the model exactly: a model change without a migration for both fails here.</summary>
public sealed class MigrationsTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        var options = new DbContextOptionsBuilder<BerthDbContext>();
        options.UseBerthSqlite("Data Source=:memory:");
        using var db = new BerthDbContext(options.Options);
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        using var dataSource = NpgsqlDataSource.Create("Host=localhost;Database=none");
        var options = new DbContextOptionsBuilder<BerthDbContext>();
        options.UseBerthPostgres(dataSource);
        using var db = new BerthDbContext(options.Options);
        Assert.False(db.Database.HasPendingModelChanges());
    }
}
