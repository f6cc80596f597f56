using System.Net;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class UploadPurgeTests
{
    [Fact]
    public async Task Idle_uploads_and_data_no_session_owns_are_purged_on_schedule()
    {
        await using var server = await StartPurgingAsync("00:00:01");
        var client = server.Client;
        using var start = await client.PostAsync("/v2/purge/me/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;
        using var chunk = new ByteArrayContent(new byte[1000]);
        (await client.PatchAsync(location, chunk)).Dispose();
        var uploads = Path.Join(server.DataDirectory, "storage", "uploads");
        var stray = Path.Join(uploads, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stray);
        await File.WriteAllBytesAsync(Path.Join(stray, "data"), new byte[10], TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(Path.Join(stray, "data"), DateTime.UtcNow.AddMinutes(-1));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpStatusCode status;
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            using var response = await client.GetAsync(location);
            status = response.StatusCode;
        }
        while (status != HttpStatusCode.NotFound && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.NotFound, status);
        // The session's row goes before its data (a crash between them leaves data the stray sweep takes), so wait for both.
        while (Directory.EnumerateFileSystemEntries(uploads).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(uploads));
    }

    [Fact]
    public async Task An_upload_that_keeps_sending_chunks_outlives_the_idle_limit()
    {
        // Chunks record the session's time only now and then (a quarter of the limit at most): never so seldom that the
        // purge takes an upload whose chunks keep arriving.
        await using var server = await StartPurgingAsync("00:00:03");
        var blob = TestBlob.Random(10 * 1000);
        using var start = await server.Client.PostAsync("/v2/purge/busy/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;
        for (var offset = 0; offset < blob.Content.Length; offset += 1000)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            using var chunk = new ByteArrayContent(blob.Content, offset, 1000);
            using var patched = await server.Client.PatchAsync(location, chunk);
            Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        }

        using var put = await server.Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Active_uploads_are_left_alone()
    {
        await using var server = await StartPurgingAsync("01:00:00");
        using var start = await server.Client.PostAsync("/v2/purge/keep/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        using var status = await server.Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
    }

    /// <summary>A server whose purge runs every second and removes uploads idle for <paramref name="maxAge"/>.</summary>
    private static Task<BerthServer> StartPurgingAsync(string maxAge) => BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["UploadPurging:MaxAge"] = maxAge,
        ["UploadPurging:Interval"] = "00:00:01",
        ["Jobs:PollInterval"] = "00:00:00.100",
    });
}
