using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Berth.Tests.Data;

/// <summary>Upgrading a database from before quotas gives every project a quota that counts what it already stores.</summary>
public sealed class QuotaMigrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("berth-migration-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Existing_projects_get_an_unlimited_quota_with_their_distinct_blobs_counted_once()
    {
        await using (var db = DataDirectory.Open(_directory))
        {
            var migrator = db.GetService<IMigrator>();
            var before = db.Database.GetMigrations().TakeWhile(m => !m.EndsWith("_Quotas", StringComparison.Ordinal)).Last();
            await migrator.MigrateAsync(before);
            const string now = "2026-01-01 00:00:00";
            var rows = $"""
                INSERT INTO projects (Id, Name, Public, CreatedAt, UpdatedAt) VALUES (1, 'alpha', 0, '{now}', '{now}'), (2, 'beta', 0, '{now}', '{now}');
                INSERT INTO repositories (Id, Name, Description, PullCount, CreatedAt, UpdatedAt)
                    VALUES (1, 'alpha/one', '', 0, '{now}', '{now}'), (2, 'alpha/two', '', 0, '{now}', '{now}'), (3, 'beta/one', '', 0, '{now}', '{now}');
                INSERT INTO blobs (Id, Digest, Size, State, CreatedAt, UpdatedAt)
                    VALUES (1, 'sha256:{new string('1', 64)}', 100, 0, '{now}', '{now}'), (2, 'sha256:{new string('2', 64)}', 20, 0, '{now}', '{now}');
                INSERT INTO repository_blobs (RepositoryId, BlobId, CreatedAt)
                    VALUES (1, 1, '{now}'), (2, 1, '{now}'), (2, 2, '{now}'), (3, 2, '{now}');
                """;
            await db.Database.ExecuteSqlRawAsync(rows); // constants only: the rows a database from before quotas could hold
            await migrator.MigrateAsync();
        }

        await using (var db = DataDirectory.Open(_directory))
        {
            var quotas = await db.Quotas.AsNoTracking().OrderBy(q => q.ProjectId).Select(q => new { q.ProjectId, q.Hard, q.Used }).ToListAsync();
            Assert.Equal([new { ProjectId = 1L, Hard = -1L, Used = 120L }, new { ProjectId = 2L, Hard = -1L, Used = 20L }], quotas);
            Assert.Equal(3, await db.ProjectBlobs.CountAsync());
        }
    }
}
