using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Distribution;

public sealed class UploadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    private async Task<string> OpenAsync(string name)
    {
        using var response = await Client.PostAsync($"/v2/{name}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("0-0", response.Headers.GetValues("Range").Single());
        var uuid = response.Headers.GetValues("Docker-Upload-UUID").Single();
        var location = response.Headers.Location!.OriginalString;
        Assert.Equal($"/v2/{name}/blobs/uploads/{uuid}", location);
        return location;
    }

    private async Task<HttpResponseMessage> PatchAsync(string location, byte[] chunk, long? start = null, long? end = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(chunk) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (start is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{end ?? start + chunk.Length - 1}");
        }

        return await Client.SendAsync(request);
    }

    private async Task<string> RangeAsync(string location)
    {
        using var status = await Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        return status.Headers.GetValues("Range").Single();
    }

    [Fact]
    public async Task Chunked_upload_with_content_range_then_put_with_the_last_chunk()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(300_000);
        var location = await OpenAsync(name);

        using (var first = await PatchAsync(location, blob.Content[..100_000], 0))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal("0-99999", first.Headers.GetValues("Range").Single());
            Assert.Equal(location, first.Headers.Location!.OriginalString);
        }

        using (var second = await PatchAsync(location, blob.Content[100_000..200_000], 100_000))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        Assert.Equal("0-199999", await RangeAsync(location));
        using var put = await Client.PutAsync($"{location}?digest={blob.Digest}", new ByteArrayContent(blob.Content[200_000..]));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task Streamed_patch_without_content_range_then_put_without_a_body()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(2_500_000);
        var location = await OpenAsync(name);
        using (var patch = await PatchAsync(location, blob.Content))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            Assert.Equal($"0-{blob.Size - 1}", patch.Headers.GetValues("Range").Single());
        }

        using var put = await Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Digest, put.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task A_resumed_upload_continues_from_the_offset_the_server_reports()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(50_000);
        var location = await OpenAsync(name);
        (await PatchAsync(location, blob.Content[..12_345], 0)).Dispose();

        // A client that lost track asks where the upload stands and resumes from there.
        var range = await RangeAsync(location);
        var next = long.Parse(range.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture) + 1;
        Assert.Equal(12_345, next);
        using (var resumed = await PatchAsync(location, blob.Content[(int)next..], next))
        {
            Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        }

        using var put = await Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Theory]
    [InlineData(50, 59)]     // a gap
    [InlineData(0, 9)]       // overlaps what is there
    [InlineData(5, 14)]      // overlaps partly
    public async Task Out_of_order_or_overlapping_chunks_are_416_and_change_nothing(long start, long end)
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(20);
        var location = await OpenAsync(name);
        (await PatchAsync(location, blob.Content[..10], 0)).Dispose();

        using (var bad = await PatchAsync(location, new byte[end - start + 1], start, end))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, bad.StatusCode);
            Assert.Equal("BLOB_UPLOAD_INVALID", await bad.ErrorCodeAsync());
            Assert.Equal("0-9", bad.Headers.GetValues("Range").Single());
        }

        (await PatchAsync(location, blob.Content[10..], 10)).Dispose();
        using var put = await Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("10-5")]
    [InlineData("-5-10")]
    [InlineData("0-99999999999999999999999999")]
    public async Task Absurd_content_ranges_are_416(string contentRange)
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(new byte[10]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("BLOB_UPLOAD_INVALID", await response.ErrorCodeAsync());
        Assert.Equal("0-0", await RangeAsync(location));
    }

    [Fact]
    public async Task A_content_range_that_disagrees_with_content_length_is_size_invalid()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        using var response = await PatchAsync(location, new byte[10], 0, 19);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("SIZE_INVALID", await response.ErrorCodeAsync());
        Assert.Equal("0-0", await RangeAsync(location));
    }

    [Fact]
    public async Task A_chunked_body_shorter_than_its_content_range_is_size_invalid_and_rolled_back()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        var head = $"PATCH {location} HTTP/1.1\r\nAuthorization: {TestCredentials.AdminAuthorization}\r\nContent-Range: 0-99\r\nTransfer-Encoding: chunked";
        var body = Encoding.ASCII.GetBytes("32\r\n" + new string('x', 50) + "\r\n0\r\n\r\n");
        var (status, response) = await RawHttp.SendAsync(fixture.Server.Address, head, body);
        Assert.Equal(400, status);
        Assert.Contains("SIZE_INVALID", response, StringComparison.Ordinal);
        Assert.Equal("0-0", await RangeAsync(location));
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_chunk_leaves_the_upload_where_it_was()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(40_000);
        var location = await OpenAsync(name);
        (await PatchAsync(location, blob.Content[..20_000], 0)).Dispose();

        await RawHttp.SendAndHangUpAsync(fixture.Server.Address,
            $"PATCH {location} HTTP/1.1\r\nAuthorization: {TestCredentials.AdminAuthorization}\r\nContent-Range: 20000-1048575\r\nContent-Length: 1028576",
            new byte[100_000]);

        // The server rolls the half chunk back once it notices; then the upload resumes cleanly.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string range;
        while ((range = await RangeAsync(location)) != "0-19999" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal("0-19999", range);
        (await PatchAsync(location, blob.Content[20_000..], 20_000)).Dispose();
        using var put = await Client.PutAsync($"{location}?digest={blob.Digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task Delete_cancels_the_session()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        (await PatchAsync(location, new byte[100], 0)).Dispose();
        using (var delete = await Client.DeleteAsync(location))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var status = await Client.GetAsync(location);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await status.ErrorCodeAsync());
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-uuid")]
    [InlineData("x%2fy")]
    public async Task Unknown_sessions_are_blob_upload_unknown(string id)
    {
        using var response = await Client.GetAsync($"/v2/library/x/blobs/uploads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_session_belongs_to_its_repository()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        var id = location[(location.LastIndexOf('/') + 1)..];
        using var response = await Client.GetAsync($"/v2/{ServerFixture.NewRepository()}/blobs/uploads/{id}");
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task Writes_to_an_unknown_session_or_another_repositorys_are_blob_upload_unknown_and_leave_no_lock_behind()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        (await PatchAsync(location, new byte[100], 0)).Dispose();
        var id = location[(location.LastIndexOf('/') + 1)..];
        var blob = TestBlob.Random(50);

        foreach (var target in new[] { $"/v2/{ServerFixture.NewRepository()}/blobs/uploads/{id}", $"/v2/library/x/blobs/uploads/{Guid.NewGuid()}", "/v2/library/x/blobs/uploads/not-a-uuid" })
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, target) { Content = new ByteArrayContent(blob.Content) };
            using var put = new HttpRequestMessage(HttpMethod.Put, $"{target}?digest={blob.Digest}") { Content = new ByteArrayContent(blob.Content) };
            using var delete = new HttpRequestMessage(HttpMethod.Delete, target);
            foreach (var request in new[] { patch, put, delete })
            {
                using var response = await Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("BLOB_UPLOAD_UNKNOWN", await response.ErrorCodeAsync());
            }
        }

        // The session itself is untouched, and its lock, like the unknown ones', is gone once nobody holds it.
        Assert.Equal("0-99", await RangeAsync(location));
        Assert.Equal(0, fixture.Server.Services.GetRequiredService<Berth.Distribution.Uploads.UploadLocks>().Count);
    }

    [Fact]
    public async Task Put_without_a_digest_is_digest_invalid_and_keeps_the_session()
    {
        var location = await OpenAsync(ServerFixture.NewRepository());
        (await PatchAsync(location, new byte[10], 0)).Dispose();
        using var response = await Client.PutAsync(location, null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await response.ErrorCodeAsync());
        Assert.Equal("0-9", await RangeAsync(location));
    }

    [Fact]
    public async Task Mount_from_a_repository_holding_the_blob_is_201()
    {
        var source = ServerFixture.NewRepository("src");
        var target = ServerFixture.NewRepository("dst");
        var blob = TestBlob.Random(1000);
        (await Client.PushBlobAsync(source, blob)).Dispose();

        using var response = await Client.PostAsync($"/v2/{target}/blobs/uploads/?mount={blob.Digest}&from={source}", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/v2/{target}/blobs/{blob.Digest}", response.Headers.Location!.OriginalString);
        Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/{target}/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task Mount_from_a_repository_without_the_blob_opens_a_session()
    {
        var blob = TestBlob.Random(1000);
        var target = ServerFixture.NewRepository("dst");
        (await Client.PushBlobAsync(ServerFixture.NewRepository("elsewhere"), blob)).Dispose();

        using var response = await Client.PostAsync($"/v2/{target}/blobs/uploads/?mount={blob.Digest}&from={ServerFixture.NewRepository("empty")}", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.StartsWith($"/v2/{target}/blobs/uploads/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{target}/blobs/{blob.Digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task One_blob_uploaded_by_ten_clients_at_once()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(3_000_000);
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var repository = i % 2 == 0 ? name : $"{name}/{i}";
            using var response = await Client.PushBlobAsync(repository, blob);
            return (repository, response.StatusCode);
        }));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        foreach (var (repository, _) in responses)
        {
            Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/{repository}/blobs/{blob.Digest}"));
        }

        // Deduplicated: one file for the whole registry.
        var hex = blob.Digest["sha256:".Length..];
        Assert.Single(Directory.EnumerateFiles(Path.Join(fixture.Server.DataDirectory, "storage", "blobs"), "data", SearchOption.AllDirectories),
            f => f.Contains(hex, StringComparison.Ordinal));
    }
}
