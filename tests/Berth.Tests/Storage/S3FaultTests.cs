using System.Diagnostics;
using System.Net;
using Berth.Testing;

namespace Berth.Tests.Storage;

/// <summary>
/// The S3 server failing under a running registry, through a <see cref="FaultProxy"/>: connections cut (also in the
/// middle of a pull) and a store that stops answering. No blob is served with wrong bytes, no manifest is accepted
/// for blobs that did not arrive, what was acknowledged survives, and the registry recovers when the store returns.
/// </summary>
public sealed class S3FaultTests
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_that_is_cut_off_or_stalls_never_loses_or_corrupts_a_blob_and_the_registry_recovers()
    {
        await using var proxy = FaultProxy.For(new Uri(S3TestServer.Endpoint));
        var settings = S3TestServer.Settings(S3TestServer.NewPrefix(), $"http://127.0.0.1:{proxy.Port}");
        settings["Storage:S3:Redirect"] = "false"; // pulls stream through Berth, so a cut reaches the client mid-body
        settings["Storage:S3:ConnectTimeout"] = "00:00:02";
        settings["Storage:S3:Timeout"] = "00:00:05";
        settings["Storage:S3:StallTimeout"] = "00:00:03";
        await using var server = await BerthServer.StartAsync(settings);

        var stored = TestImage.Create().WithLayer(4 * MiB).WithLayer(2000).Build();
        await server.Client.PushImageAsync("test/s3-fault", stored, "stored");
        var pending = TestImage.Create().WithLayer(3000).Build();

        // Cut: uploads are refused, not acknowledged; a manifest for them is refused too; pulls are 503, never wrong bytes.
        proxy.Mode = FaultMode.Cut;
        foreach (var blob in pending.Blobs)
        {
            using var push = await TimedAsync(() => server.Client.PushBlobAsync("test/s3-fault", blob), "a blob push while cut off");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, push.StatusCode);
            Assert.True(push.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
        }

        using (var manifest = await server.Client.PushManifestAsync("test/s3-fault", "pending", pending.Manifest))
        {
            Assert.NotEqual(HttpStatusCode.Created, manifest.StatusCode);
        }

        using (var pull = await TimedAsync(() => server.Client.GetAsync($"/v2/test/s3-fault/blobs/{stored.Layers[1].Digest}", Token),
            "a pull while cut off"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, pull.StatusCode);
        }

        // Stalled: bounded by the driver's deadlines, then 503.
        proxy.Mode = FaultMode.Stall;
        using (var pull = await TimedAsync(() => server.Client.GetAsync($"/v2/test/s3-fault/blobs/{stored.Layers[1].Digest}", Token),
            "a pull while the store stalls"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, pull.StatusCode);
        }

        // Cut in the middle of a pull: the client sees a broken response, never a complete one with other bytes.
        proxy.Mode = FaultMode.Forward;
        using (var streaming = await server.Client.GetAsync($"/v2/test/s3-fault/blobs/{stored.Layers[0].Digest}",
            HttpCompletionOption.ResponseHeadersRead, Token))
        {
            Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
            await using var body = await streaming.Content.ReadAsStreamAsync(Token);
            var buffer = new byte[64 * 1024];
            var received = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, Token);
            Assert.Equal(stored.Layers[0].Content.AsSpan(0, received).ToArray(), buffer.AsSpan(0, received).ToArray());
            proxy.Mode = FaultMode.Cut;
            var rest = new MemoryStream();
            var broken = await Record.ExceptionAsync(() => body.CopyToAsync(rest, Token));
            if (broken is null)
            {
                // Everything may have been in flight already; then it must be exactly the blob.
                Assert.Equal(stored.Layers[0].Content, buffer.AsSpan(0, received).ToArray().Concat(rest.ToArray()).ToArray());
            }
        }

        // Back: everything acknowledged is whole, and what was refused can be pushed now.
        proxy.Mode = FaultMode.Forward;
        foreach (var blob in stored.Blobs)
        {
            Assert.Equal(blob.Content, await server.Client.GetByteArrayAsync($"/v2/test/s3-fault/blobs/{blob.Digest}", Token));
        }

        await server.Client.PushImageAsync("test/s3-fault", pending, "pending");
        foreach (var blob in pending.Blobs)
        {
            Assert.Equal(blob.Content, await server.Client.GetByteArrayAsync($"/v2/test/s3-fault/blobs/{blob.Digest}", Token));
        }
    }

    private static async Task<HttpResponseMessage> TimedAsync(Func<Task<HttpResponseMessage>> call, string what)
    {
        var clock = Stopwatch.StartNew();
        var response = await call();
        Assert.True(clock.Elapsed < Bound, $"{what} took {clock.Elapsed}");
        return response;
    }
}
