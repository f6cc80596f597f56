using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Amazon.Runtime;
using Berth.Gc;
using Berth.Storage;
using Berth.Storage.Drivers.S3;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Storage;

/// <summary>The registry with its blobs in S3: redirected and proxied pulls, uploads across two servers, a dead store.</summary>
public sealed class S3ServerTests
{
    private const int MiB = 1024 * 1024;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<BerthServer> StartAsync(string prefix, Dictionary<string, string?>? more = null, string? endpoint = null)
    {
        var settings = S3TestServer.Settings(prefix, endpoint);
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return await BerthServer.StartAsync(settings);
    }

    /// <summary>The bucket as the tests look into it: the same driver, on the server's prefix.</summary>
    private static S3StorageDriver Store(string prefix) => new(new S3StorageOptions
    {
        Bucket = S3TestServer.Bucket,
        Prefix = prefix,
        Endpoint = S3TestServer.Endpoint,
        AccessKey = S3TestServer.AccessKey,
        SecretKey = S3TestServer.SecretKey,
    }, new BasicAWSCredentials(S3TestServer.AccessKey, S3TestServer.SecretKey));

    private static HttpClient WithoutRedirects(BerthServer server)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestCredentials.AdminAuthorization);
        return client;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, Uri url, long? from = null, long? to = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (from is not null)
        {
            request.Headers.Range = new RangeHeaderValue(from, to);
        }

        return await client.SendAsync(request, Token);
    }

    [Fact]
    public async Task A_pull_is_redirected_to_a_presigned_url_only_after_authorization()
    {
        var prefix = S3TestServer.NewPrefix();
        await using var server = await StartAsync(prefix);
        using var client = WithoutRedirects(server);
        using var store = new HttpClient(); // no credentials of the registry: the URL alone must do
        var blob = TestBlob.Random(200_000);
        RegistryClient.Expect(await server.Client.PushBlobAsync("test/s3-redirect", blob), HttpStatusCode.Created);
        var path = $"/v2/test/s3-redirect/blobs/{blob.Digest}";

        using var get = await client.GetAsync(path, Token);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, get.StatusCode);
        var location = get.Headers.Location!;
        Assert.StartsWith($"{S3TestServer.Endpoint.TrimEnd('/')}/{S3TestServer.Bucket}/{prefix}/blobs/sha256/", location.ToString(), StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature=", location.Query, StringComparison.Ordinal);
        Assert.True(get.Headers.CacheControl?.NoStore, "a redirect to a URL that expires must not be cached");
        Assert.Equal(blob.Content, await store.GetByteArrayAsync(location, Token));

        // A range is redirected too, and the store answers it when the client sends its Range again.
        using var ranged = await GetAsync(client, new Uri(server.Address, path), 1000, 1999);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, ranged.StatusCode);
        using var part = await GetAsync(store, ranged.Headers.Location!, 1000, 1999);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(blob.Content[1000..2000], await part.Content.ReadAsByteArrayAsync(Token));

        // HEAD never redirects.
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Token);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(blob.Size, head.Content.Headers.ContentLength);

        // No URL for a repository that does not hold the blob, nor for a caller who may not pull.
        using var elsewhere = await client.GetAsync($"/v2/test/s3-elsewhere/blobs/{blob.Digest}", Token);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var anonymous = await server.Anonymous.GetAsync(path, Token);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Null(anonymous.Headers.Location);
    }

    [Fact]
    public async Task Without_redirect_blobs_and_ranges_stream_through_berth_and_large_ones_go_multipart()
    {
        var prefix = S3TestServer.NewPrefix();
        await using var server = await StartAsync(prefix, new()
        {
            ["Storage:S3:Redirect"] = "false",
            ["Storage:S3:PartSizeBytes"] = (5 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var client = WithoutRedirects(server);
        var blob = TestBlob.Random(12 * MiB + 321);
        RegistryClient.Expect(await server.Client.PushBlobAsync("test/s3-proxy", blob), HttpStatusCode.Created);
        var url = new Uri(server.Address, $"/v2/test/s3-proxy/blobs/{blob.Digest}");

        using var whole = await GetAsync(client, url);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(blob.Content, await whole.Content.ReadAsByteArrayAsync(Token));
        using var part = await GetAsync(client, url, 6 * MiB - 10, 6 * MiB + 9);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(blob.Content[(6 * MiB - 10)..(6 * MiB + 10)], await part.Content.ReadAsByteArrayAsync(Token));

        using var store = Store(prefix);
        var hex = blob.Digest["sha256:".Length..];
        Assert.Equal(blob.Size, (await store.StatAsync($"/blobs/sha256/{hex[..2]}/{hex}/data", Token))!.Size);
        Assert.Empty(await store.WalkAsync("/uploads", WalkOptions.All, Token).ToListAsync(Token));
    }

    [Fact]
    public async Task A_chunked_upload_whose_chunks_reach_two_servers_sharing_database_and_store_completes()
    {
        var prefix = S3TestServer.NewPrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:S3:Redirect"] = "false",
            ["Storage:S3:PartSizeBytes"] = (5 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var first = await StartAsync(prefix, settings);
        settings["Server:DataDirectory"] = first.DataDirectory;
        settings["Jobs:Enabled"] = "false";
        await using var second = await StartAsync(prefix, settings);

        var blob = TestBlob.Random(6 * MiB + 50_000 + 3 * MiB + 7);
        int[] cuts = [0, 6 * MiB, 6 * MiB + 50_000, 6 * MiB + 50_000 + 3 * MiB, blob.Content.Length];
        using var open = await first.Client.PostAsync("/v2/test/s3-two/blobs/uploads/", null, Token);
        Assert.Equal(HttpStatusCode.Accepted, open.StatusCode);
        var location = open.Headers.Location!.OriginalString;

        // The chunks alternate between the servers; each sees what the other stored.
        var servers = new[] { first, second, first };
        for (var i = 0; i < 3; i++)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(blob.Content[cuts[i]..cuts[i + 1]]) };
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{cuts[i]}-{cuts[i + 1] - 1}");
            using var patched = await servers[i].Client.SendAsync(patch, Token);
            Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
            using var status = await servers[(i + 1) % 2 == 0 ? 0 : 1].Client.GetAsync(location, Token);
            Assert.Equal($"0-{cuts[i + 1] - 1}", status.Headers.GetValues("Range").Single());
        }

        // What arrived so far is staged in the bucket, and nothing of it on either server's disk.
        using var store = Store(prefix);
        var staged = Assert.Single(await store.WalkAsync("/uploads", WalkOptions.All, Token).ToListAsync(Token));
        Assert.Equal(cuts[3], staged.Size);
        Assert.False(Directory.Exists(Path.Join(first.DataDirectory, "storage")), "upload bytes on local disk");

        using var put = await second.Client.PutAsync($"{location}?digest={blob.Digest}", new ByteArrayContent(blob.Content[cuts[3]..]), Token);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Content, await first.Client.GetByteArrayAsync($"/v2/test/s3-two/blobs/{blob.Digest}", Token));
        Assert.Empty(await store.WalkAsync("/uploads", WalkOptions.All, Token).ToListAsync(Token));
    }

    [Fact]
    public async Task A_store_that_is_down_gets_503_with_retry_after_within_bounded_time_and_never_a_hang()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var server = await StartAsync(S3TestServer.NewPrefix(), new()
        {
            ["Storage:S3:ConnectTimeout"] = "00:00:02",
            ["Storage:S3:Timeout"] = "00:00:03",
        }, endpoint: $"http://127.0.0.1:{port}");
        using var root = await server.Client.GetAsync("/v2/", Token);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);

        var clock = Stopwatch.StartNew();
        using var push = await server.Client.PushBlobAsync("test/s3-down", TestBlob.Random(1000));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, push.StatusCode);
        Assert.True(push.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
        var body = await push.Content.ReadAsStringAsync(Token);
        Assert.Contains("blob storage is unavailable", body, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gc_removes_collected_blobs_from_the_bucket()
    {
        var prefix = S3TestServer.NewPrefix();
        await using var server = await StartAsync(prefix, new() { ["Gc:GraceWindow"] = "00:00:00" });
        var blobs = Enumerable.Range(0, 3).Select(_ => TestBlob.Random(10_000)).ToList();
        foreach (var blob in blobs)
        {
            RegistryClient.Expect(await server.Client.PushBlobAsync("test/s3-gc", blob), HttpStatusCode.Created);
        }

        using var store = Store(prefix);
        Assert.Equal(3, (await store.WalkAsync("/blobs", WalkOptions.All, Token).ToListAsync(Token)).Count);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<GcService>()
                .RunAsync(new GcParameters { Workers = 2 }, _ => { }, null, Token);
            Assert.Equal(3, result.PurgedBlobs);
        }

        Assert.Empty(await store.WalkAsync("/blobs", WalkOptions.All, Token).ToListAsync(Token));
    }
}
