using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Berth.Storage.Drivers.S3;

namespace Berth.Storage.Tests;

/// <summary>The conformance suite on a real S3 server, and what only S3 has: multipart, assembly, presigned URLs.</summary>
public sealed class S3StorageDriverTests : StorageDriverConformanceTests
{
    private static readonly int[] UnevenChunkSizes = [6 * 1024 * 1024, 100, 2 * 1024 * 1024, 7 * 1024 * 1024, 1];

    private static readonly string[] ForeignKeys = ["f/with space", "f/x!not-a-segment", "f/sub/a:b"];

    private readonly RecordingHttpClientFactory _traffic = new();
    private S3StorageDriver? _driver;

    protected override string? ConcurrentReplaceUntestableBecause => S3TestStore.IsS3rver
        ? "s3rver writes concurrent PUTs of one key into one file, interleaving them; S3 itself replaces an object atomically"
        : null;

    protected override Task<IStorageDriver> CreateDriverAsync()
    {
        _driver = new S3StorageDriver(S3TestStore.Options(), S3TestStore.Credentials, null, _traffic);
        return Task.FromResult<IStorageDriver>(_driver);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            _driver?.Dispose();
            _traffic.Dispose();
        }
    }

    [Fact]
    public async Task A_write_bigger_than_a_part_goes_as_a_multipart_upload()
    {
        var content = RandomNumberGenerator.GetBytes(2 * S3StorageOptions.MinPartSizeBytes + 12345);
        await using (var writer = await Driver.OpenWriteAsync("/big/data", append: false, Token))
        {
            for (var offset = 0; offset < content.Length; offset += 1024 * 1024)
            {
                await writer.WriteAsync(content.AsMemory(offset, Math.Min(1024 * 1024, content.Length - offset)), Token);
            }

            Assert.Null(await Driver.StatAsync("/big/data", Token));
            await writer.CommitAsync(Token);
        }

        Assert.Equal([S3StorageOptions.MinPartSizeBytes, S3StorageOptions.MinPartSizeBytes, 12345L], _traffic.UploadedParts);
        Assert.Equal(1, _traffic.Count("POST", "uploadId="));
        Assert.Equal(content.Length, (await Driver.StatAsync("/big/data", Token))!.Size);
        await using (var stream = await Driver.OpenReadAsync("/big/data", 0, Token))
        {
            Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(stream, Token));
        }

        await Driver.DeleteAsync("/big", Token);
    }

    [Fact]
    public async Task A_chunked_upload_in_uneven_chunks_is_assembled_whole_on_move()
    {
        // Small chunks are gathered into parts of at least 5 MiB; a chunk that starts a part and holds 5 MiB or more is
        // copied inside the store (UploadPartCopy), or streamed where the store lacks it (s3rver does).
        var chunks = UnevenChunkSizes.Select(RandomNumberGenerator.GetBytes).ToList();
        var content = chunks.SelectMany(c => c).ToArray();
        foreach (var chunk in chunks)
        {
            await using var writer = await Driver.OpenWriteAsync("/uploads/u1/data", append: true, Token);
            await writer.WriteAsync(chunk, Token);
            await writer.CommitAsync(Token);
        }

        _traffic.Requests.Clear();
        await Driver.MoveAsync("/uploads/u1/data", "/blobs/b1/data", Token);
        Assert.Empty(await Driver.ListAsync("/uploads", Token).ToListAsync());
        var moved = await Driver.StatAsync("/blobs/b1/data", Token);
        Assert.Equal(content.Length, moved!.Size);
        await using (var stream = await Driver.OpenReadAsync("/blobs/b1/data", 0, Token))
        {
            Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(stream, Token));
        }

        // The first chunk was offered to the store to copy; every part sent but the last is at least S3's smallest part.
        Assert.Equal(1, _traffic.CopiedParts);
        var parts = _traffic.UploadedParts;
        Assert.All(parts.SkipLast(1), p => Assert.True(p >= S3StorageOptions.MinPartSizeBytes, $"a part of {p} bytes"));
        Assert.Equal(content.Length, parts.Sum());
        Assert.Empty(await Driver.ListAsync("/uploads", Token).ToListAsync());
        await Driver.DeleteAsync("/blobs", Token);
    }

    [Fact]
    public async Task A_single_chunk_upload_moves_by_one_copy_inside_the_store()
    {
        var content = RandomNumberGenerator.GetBytes(300_000);
        await using (var writer = await Driver.OpenWriteAsync("/uploads/u2/data", append: true, Token))
        {
            await writer.WriteAsync(content, Token);
            await writer.CommitAsync(Token);
        }

        _traffic.Requests.Clear();
        await Driver.MoveAsync("/uploads/u2/data", "/blobs/b2/data", Token);
        Assert.Empty(_traffic.UploadedParts);
        Assert.Equal(0, _traffic.Count("GET", "/uploads/u2/data"));
        Assert.Equal(1, _traffic.Requests.Count(r => r.IsCopy));
        Assert.Equal(content, await Driver.GetContentAsync("/blobs/b2/data", Token));
        await Driver.DeleteAsync("/blobs", Token);
    }

    [Fact]
    public async Task A_redirect_url_serves_the_object_and_its_ranges()
    {
        var content = RandomNumberGenerator.GetBytes(100_000);
        await Driver.PutContentAsync("/blobs/r/data", content, Token);
        var url = await Driver.GetRedirectUriAsync("/blobs/r/data", Token);
        Assert.NotNull(url);
        Assert.Contains("X-Amz-Signature=", url.Query, StringComparison.Ordinal);
        // Five minutes by default (the SDK counts from the signing second, so up to one more).
        var expires = System.Web.HttpUtility.ParseQueryString(url.Query)["X-Amz-Expires"];
        Assert.InRange(int.Parse(expires!, System.Globalization.CultureInfo.InvariantCulture), 300, 301);
        Assert.StartsWith(S3TestStore.Endpoint.TrimEnd('/') + "/" + S3TestStore.Bucket + "/", url.ToString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        Assert.Equal(content, await http.GetByteArrayAsync(url, Token));
        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var partial = await http.SendAsync(ranged, Token);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(content[1000..2000], await partial.Content.ReadAsByteArrayAsync(Token));
        await Driver.DeleteAsync("/blobs", Token);
    }

    [Fact]
    public async Task A_redirect_url_expires_after_its_lifetime()
    {
        // The URL counts from its signing second: it lives at least five seconds and at most seven.
        using var driver = DriverWith(o => o.RedirectLifetime = TimeSpan.FromSeconds(6));
        await driver.PutContentAsync("/x", "bytes"u8.ToArray(), Token);
        var url = await driver.GetRedirectUriAsync("/x", Token);
        using var http = new HttpClient();
        Assert.Equal("bytes"u8.ToArray(), await http.GetByteArrayAsync(url, Token));
        await Task.Delay(7500, Token);
        using var expired = await http.GetAsync(url, Token);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        await driver.DeleteAsync("/x", Token);
    }

    [Fact]
    public async Task A_redirect_url_is_handed_out_again_while_half_its_lifetime_is_left()
    {
        using var driver = DriverWith(o => o.RedirectLifetime = TimeSpan.FromSeconds(10));
        await driver.PutContentAsync("/blobs/a/data", "a"u8.ToArray(), Token);
        await driver.PutContentAsync("/blobs/b/data", "b"u8.ToArray(), Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await driver.GetRedirectUriAsync("/blobs/a/data", Token);

        // A second later a fresh signature would carry another X-Amz-Date: the same URL means it was not signed again.
        await Task.Delay(1100, Token);
        Assert.Equal(first, await driver.GetRedirectUriAsync("/blobs/a/data", Token));
        var other = await driver.GetRedirectUriAsync("/blobs/b/data", Token);
        Assert.NotEqual(first, other);
        using var http = new HttpClient();
        Assert.Equal("b"u8.ToArray(), await http.GetByteArrayAsync(other, Token));

        // Past half the lifetime the next caller gets a new URL, which serves the object.
        await Task.Delay(TimeSpan.FromSeconds(5.5) - clock.Elapsed, Token);
        var renewed = await driver.GetRedirectUriAsync("/blobs/a/data", Token);
        Assert.NotEqual(first, renewed);
        Assert.Equal("a"u8.ToArray(), await http.GetByteArrayAsync(renewed, Token));
        await driver.DeleteAsync("/blobs", Token);
    }

    [Fact]
    public async Task Without_redirect_there_is_no_url()
    {
        using var driver = DriverWith(o => o.Redirect = false);
        Assert.Null(await driver.GetRedirectUriAsync("/blobs/x/data", Token));
    }

    [Fact]
    public async Task Keys_that_are_no_storage_path_are_never_listed()
    {
        // Something else wrote into the prefix: keys with characters no path has.
        var options = S3TestStore.Options();
        using var driver = new S3StorageDriver(options, S3TestStore.Credentials);
        await driver.PutContentAsync("/f/ok", "1"u8.ToArray(), Token);
        using var raw = new Amazon.S3.AmazonS3Client(S3TestStore.Credentials, new Amazon.S3.AmazonS3Config
        {
            ServiceURL = S3TestStore.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        });
        foreach (var key in ForeignKeys)
        {
            await raw.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = options.Bucket,
                Key = options.Prefix + "/" + key,
                ContentBody = "foreign",
                UseChunkEncoding = false,
            }, Token);
        }

        Assert.Equal(["/f/ok", "/f/sub"], (await driver.ListAsync("/f", Token).ToListAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(["/f/ok"], (await driver.WalkAsync("/f", WalkOptions.All, Token).ToListAsync()).Select(f => f.Path));
        await driver.DeleteAsync("/f", Token);
        Assert.Empty(await driver.ListAsync("/", Token).ToListAsync());
    }

    [Fact]
    public async Task Listings_and_deletes_go_past_a_page_of_a_thousand_keys()
    {
        // S3 answers at most 1,000 keys per LIST and takes at most 1,000 per batch delete: a GC's sweep of a real
        // registry crosses both in every run, so the continuation and the batching must hold.
        using var driver = DriverWith(_ => { });
        var paths = Enumerable.Range(0, 1_001).Select(i => $"/many/k{i:D4}").ToList();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Token },
            async (path, token) => await driver.PutContentAsync(path, "x"u8.ToArray(), token));

        Assert.Equal(paths, (await driver.ListAsync("/many", Token).ToListAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(paths, (await driver.WalkAsync("/many", WalkOptions.All, Token).ToListAsync()).Select(f => f.Path).Order(StringComparer.Ordinal));

        await driver.DeleteAsync("/many", Token);
        Assert.Empty(await driver.WalkAsync("/many", WalkOptions.All, Token).ToListAsync());
    }

    /// <summary>A driver of its own on the test store, with <paramref name="change"/> made to the test options.</summary>
    private static S3StorageDriver DriverWith(Action<S3StorageOptions> change)
    {
        var options = S3TestStore.Options();
        change(options);
        return new S3StorageDriver(options, S3TestStore.Credentials);
    }
}
