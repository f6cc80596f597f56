using Berth.Data.Postgres;
using Berth.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace Berth.Data.Design;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting Berth.</summary>
/// <remarks>SQLite by default; <c>-- postgres</c> after the <c>dotnet ef</c> arguments builds the PostgreSQL model (no server is contacted).</remarks>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BerthDbContext>
{
    public BerthDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<BerthDbContext>();
        if (args.Contains("postgres", StringComparer.OrdinalIgnoreCase))
        {
            builder.UseBerthPostgres(NpgsqlDataSource.Create("Host=localhost;Database=berth_design"));
        }
        else
        {
            builder.UseBerthSqlite("Data Source=design.db");
        }

        return new BerthDbContext(builder.Options);
    }
}
