using System.Net;
using Berth.Data.Entities;
using Berth.Gc;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Gc;

/// <summary>
/// GC racing pushes, on PostgreSQL, which lets a test hold a transaction open while the other side runs (its readers do
/// not wait for writers). GC's orphan sweep deletes stored bytes that no blob row announces (an upload that died between
/// moving its bytes and writing the row leaves them); a push of the same digest may be writing that row at the same
/// moment, and neither may win in a way that acknowledges a push whose bytes are gone. GC's marking of unreferenced
/// blobs locks their rows as pushes touching the same blobs do, and may be picked as a deadlock's victim.
/// </summary>
public sealed class GcRaceTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (TestDatabase.UsePostgres)
        {
            _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Gc:GraceWindow"] = "00:00:00", ["Jobs:Enabled"] = "false" });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (TestDatabase.UsePostgres)
        {
            await _server.DisposeAsync();
        }
    }

    private static void RequirePostgres()
    {
        if (!TestDatabase.UsePostgres)
        {
            Assert.Skip("needs PostgreSQL's row locks and advisory locks: the PostgreSQL pass of ./test.sh (BERTH_TEST_DATABASE=postgres)");
        }
    }

    private string BlobFile(TestBlob blob)
    {
        var hex = blob.Digest["sha256:".Length..];
        return Path.Join(_server.DataDirectory, "storage", "blobs", "sha256", hex[..2], hex, "data");
    }

    private async Task<GcResult> RunGcAsync()
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GcService>().RunAsync(
            new GcParameters { Workers = 2 }, _ => { }, null, CancellationToken.None);
    }

    /// <summary>Whether some session of the server's database waits for a lock (a row's, or an advisory one).</summary>
    private async Task<bool> SomeoneWaitsAsync()
    {
        await using var db = DataDirectory.Open(_server.DataDirectory);
        return await db.Database.SqlQuery<int>(
            $"SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
            .SingleAsync(Token) > 0;
    }

    [Fact]
    public async Task Bytes_whose_row_a_push_is_still_inserting_are_not_swept()
    {
        RequirePostgres();
        (await _server.Client.PushBlobAsync("gc/sweep", TestBlob.Random(10))).Dispose();
        var blob = TestBlob.Random(3000);
        var path = BlobFile(blob);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, blob.Content, Token);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-3)); // old enough to be an orphan

        // A push that found these bytes in place (a retried completion whose first attempt moved them) is inserting
        // the row and its link, not yet committed, when the sweep runs.
        await using var push = DataDirectory.Open(_server.DataDirectory);
        await using var transaction = await push.Database.BeginTransactionAsync(Token);
        var repository = await push.Repositories.Where(r => r.Name == "gc/sweep").Select(r => r.Id).SingleAsync(Token);
        var now = DateTime.UtcNow;
        var row = new Blob { Digest = blob.Digest, Size = blob.Content.Length, State = BlobState.Ready, CreatedAt = now, UpdatedAt = now };
        push.Blobs.Add(row);
        await push.SaveChangesAsync(Token);
        push.RepositoryBlobs.Add(new RepositoryBlob { RepositoryId = repository, BlobId = row.Id, CreatedAt = now });
        await push.SaveChangesAsync(Token);

        var gc = Task.Run(RunGcAsync, Token);
        await Poll.UntilAsync(async () => gc.IsCompleted || await SomeoneWaitsAsync(), "GC to finish or to wait for the push's row");
        await transaction.CommitAsync(Token);
        var result = await gc;

        Assert.Equal(0, result.PurgedOrphans);
        Assert.True(File.Exists(path), "the sweep deleted bytes a push was committing");
        Assert.Equal(blob.Content, await _server.Client.GetByteArrayAsync($"/v2/gc/sweep/blobs/{blob.Digest}", Token));
    }

    [Fact]
    public async Task A_push_whose_bytes_went_before_its_row_was_written_asks_for_the_upload_again()
    {
        RequirePostgres();
        // Every Ready blob row waits, right after its insert, for an advisory lock the test holds: the push stands
        // between writing its row and committing it while its bytes go, as the orphan sweep would take them.
        await using var gate = DataDirectory.Open(_server.DataDirectory);
        await gate.Database.ExecuteSqlRawAsync("""
            CREATE FUNCTION blob_insert_gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW."State" = 0 THEN
                    PERFORM pg_advisory_xact_lock_shared(4242);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER blob_insert_gate AFTER INSERT ON blobs FOR EACH ROW EXECUTE FUNCTION blob_insert_gate();
            """, Token);
        await gate.Database.OpenConnectionAsync(Token);
        await gate.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(4242)", Token);

        var blob = TestBlob.Random(5000);
        using var start = await _server.Client.PostAsync("/v2/gc/gone/blobs/uploads/", null, Token);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.OriginalString;
        var completion = _server.Client.PutAsync($"{location}{(location.Contains('?') ? '&' : '?')}digest={blob.Digest}", new ByteArrayContent(blob.Content), Token);

        await Poll.UntilAsync(SomeoneWaitsAsync, "the push to wait between its row and its commit");
        Assert.True(File.Exists(BlobFile(blob)));
        File.Delete(BlobFile(blob));
        await gate.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(4242)", Token);

        using var completed = await completion;
        Assert.Equal(HttpStatusCode.NotFound, completed.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await completed.ErrorCodeAsync());
        Assert.False(await gate.Blobs.AnyAsync(b => b.Digest == blob.Digest, Token));

        // The client uploads again, and that one is stored.
        using var again = await _server.Client.PushBlobAsync("gc/gone", blob);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(blob.Content, await _server.Client.GetByteArrayAsync($"/v2/gc/gone/blobs/{blob.Digest}", Token));
    }

    [Fact]
    public async Task A_gc_picked_as_a_deadlocks_victim_marks_again_and_finishes()
    {
        RequirePostgres();
        for (var attempt = 1; ; attempt++)
        {
            if (await DeadlockGcAsync() is { } result)
            {
                Assert.Equal(2, result.Purged.PurgedBlobs);
                Assert.All(result.Blobs, blob => Assert.False(File.Exists(BlobFile(blob))));

                // An operator sees it happen.
                var metrics = await _server.Client.GetStringAsync("/metrics", Token);
                Assert.Equal(1, Metrics.MetricsTests.Sample(metrics, """berth_database_transient_aborts_total{operation="gc.mark",outcome="retried"}"""));
                return;
            }

            // PostgreSQL aborts whichever waiter looks for the cycle first, a second after it began to wait; only a test
            // stalled for that long between GC's wait and its own request is picked instead of GC, and then tries again.
            Assert.True(attempt < 3, "the test's transaction, not GC, was picked as the deadlock's victim three times");
        }
    }

    /// <summary>Makes GC's marking one side of a deadlock; null when PostgreSQL picked the other side as its victim.</summary>
    private async Task<(GcResult Purged, TestBlob[] Blobs)?> DeadlockGcAsync()
    {
        // Two uploads no manifest names: with no grace window, GC collects both.
        var blobs = new[] { TestBlob.Random(100), TestBlob.Random(101) };
        foreach (var blob in blobs)
        {
            (await _server.Client.PushBlobAsync("gc/deadlock", blob)).Dispose();
        }

        await using var push = DataDirectory.Open(_server.DataDirectory);
        var digests = blobs.Select(b => b.Digest).ToList();
        var ids = await push.Blobs.Where(b => digests.Contains(b.Digest)).OrderBy(b => b.Id).Select(b => b.Id).ToListAsync(Token);

        // Another transaction holds the second row, as a push touching that blob does, when GC's marking reaches it
        // holding the first; then it reaches for the first. PostgreSQL aborts the one that looks first, GC, which
        // began to wait first.
        var transaction = await push.Database.BeginTransactionAsync(Token);
        await push.Database.ExecuteSqlAsync($"UPDATE blobs SET \"UpdatedAt\" = \"UpdatedAt\" WHERE \"Id\" = {ids[1]}", Token);
        var gc = Task.Run(RunGcAsync, Token);
        await Poll.UntilAsync(async () => gc.IsCompleted || await SomeoneWaitsAsync(), "GC to wait for the locked row");
        try
        {
            await push.Database.ExecuteSqlAsync($"UPDATE blobs SET \"UpdatedAt\" = \"UpdatedAt\" WHERE \"Id\" = {ids[0]}", Token);
            await transaction.CommitAsync(Token);
        }
        catch (Exception e) when (e.Message.Contains("40P01", StringComparison.Ordinal))
        {
            await transaction.DisposeAsync();
            await gc;
            return null;
        }

        await transaction.DisposeAsync();
        return (await gc, blobs);
    }
}
