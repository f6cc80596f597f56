using Berth.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Berth.Data.Design;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting Berth.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BerthDbContext>
{
    public BerthDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<BerthDbContext>();
        builder.UseBerthSqlite("Data Source=design.db");
        return new BerthDbContext(builder.Options);
    }
}
