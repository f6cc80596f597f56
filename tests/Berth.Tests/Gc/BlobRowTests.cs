using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.Tests.Gc;

/// <summary>
/// GC takes a blob row that no repository links once it is older than the grace window, bytes and all. So a push must
/// never commit a blob's row without its link: a writer that waits long for the database would lose the bytes it just
/// stored. PostgreSQL checks it here, with a constraint trigger that runs at each commit.
/// </summary>
public sealed class BlobRowTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_blob_row_is_committed_together_with_its_repository_link()
    {
        if (!TestDatabase.UsePostgres)
        {
            Assert.Skip("needs PostgreSQL's deferred constraint triggers: the PostgreSQL pass of ./test.sh (BERTH_TEST_DATABASE=postgres)");
        }

        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });
        await using (var db = DataDirectory.Open(server.DataDirectory))
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE FUNCTION blob_born_linked() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM repository_blobs WHERE "BlobId" = NEW."Id") THEN
                        RAISE EXCEPTION 'blob % committed without a repository link', NEW."Digest";
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER blob_born_linked AFTER INSERT ON blobs DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION blob_born_linked();
                """, Token);
        }

        // Config and layers through uploads, the manifest from memory; then a layer another repository holds already
        // (its row exists: only a link is written), and a new one next to it.
        var shared = TestBlob.Random(20_000);
        var first = TestImage.Create().WithLayer(shared).WithLayer(5_000).Build();
        await server.Client.PushImageAsync("test/born-linked-a", first, "v1");
        var second = TestImage.Create().WithLayer(shared).Build();
        await server.Client.PushImageAsync("test/born-linked-b", second, "v1");
        await server.Client.PushImageAsync("test/born-linked-b", TestImage.Create().WithLayer(7_000).Build(), "v2");

        foreach (var (repository, image) in new[] { ("test/born-linked-a", first), ("test/born-linked-b", second) })
        {
            foreach (var blob in image.Blobs)
            {
                Assert.Equal(blob.Content, await server.Client.GetByteArrayAsync($"/v2/{repository}/blobs/{blob.Digest}", Token));
            }
        }
    }
}
