using System.Net;
using System.Net.Http.Headers;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class BlobTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Monolithic_push_then_head_get_and_delete()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(100_000);
        using (var push = await Client.PushBlobAsync(name, blob))
        {
            Assert.Equal(HttpStatusCode.Created, push.StatusCode);
            Assert.Equal($"/v2/{name}/blobs/{blob.Digest}", push.Headers.Location!.OriginalString);
            Assert.Equal(blob.Digest, push.Headers.GetValues("Docker-Content-Digest").Single());
        }

        using (var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{name}/blobs/{blob.Digest}")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(blob.Size, head.Content.Headers.ContentLength);
            Assert.Equal(blob.Digest, head.Headers.GetValues("Docker-Content-Digest").Single());
        }

        Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}"));

        using (var delete = await Client.DeleteAsync($"/v2/{name}/blobs/{blob.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        using var gone = await Client.GetAsync($"/v2/{name}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await gone.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_single_range_gives_206_and_an_unsatisfiable_one_416()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(1000);
        (await Client.PushBlobAsync(name, blob)).Dispose();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{name}/blobs/{blob.Digest}");
        request.Headers.Range = new RangeHeaderValue(10, 19);
        using var partial = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("bytes 10-19/1000", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(blob.Content[10..20], await partial.Content.ReadAsByteArrayAsync());

        using var suffixRequest = new HttpRequestMessage(HttpMethod.Get, $"/v2/{name}/blobs/{blob.Digest}");
        suffixRequest.Headers.Range = new RangeHeaderValue(null, 5);
        using var suffix = await Client.SendAsync(suffixRequest);
        Assert.Equal(blob.Content[995..], await suffix.Content.ReadAsByteArrayAsync());

        using var badRequest = new HttpRequestMessage(HttpMethod.Get, $"/v2/{name}/blobs/{blob.Digest}");
        badRequest.Headers.Range = new RangeHeaderValue(5000, 6000);
        using var unsatisfiable = await Client.SendAsync(badRequest);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal("bytes */1000", unsatisfiable.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task A_blob_is_served_only_through_repositories_it_is_linked_to()
    {
        var owner = ServerFixture.NewRepository("private");
        var other = ServerFixture.NewRepository("other");
        var blob = TestBlob.Random(500);
        (await Client.PushBlobAsync(owner, blob)).Dispose();
        (await Client.PushBlobAsync(other, TestBlob.Random(10))).Dispose();

        using var response = await Client.GetAsync($"/v2/{other}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("BLOB_UNKNOWN", await response.ErrorCodeAsync());
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("latest")]
    public async Task Bad_digests_are_digest_invalid(string digest)
    {
        using var response = await Client.GetAsync($"/v2/library/x/blobs/{digest}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_wrong_digest_is_refused_and_stores_nothing()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(100);
        var claimed = TestBlob.Random(100).Digest;
        using var content = new ByteArrayContent(blob.Content);
        using var response = await Client.PostAsync($"/v2/{name}/blobs/uploads/?digest={claimed}", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await response.ErrorCodeAsync());

        foreach (var digest in new[] { claimed, blob.Digest })
        {
            using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{name}/blobs/{digest}"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Join(fixture.Server.DataDirectory, "storage", "uploads"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Sha512_digests_are_verified_too()
    {
        var name = ServerFixture.NewRepository();
        var content = "sha512 content"u8.ToArray();
        var digest = "sha512:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(content));
        using var body = new ByteArrayContent(content);
        using var response = await Client.PostAsync($"/v2/{name}/blobs/uploads/?digest={digest}", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(content, await Client.GetByteArrayAsync($"/v2/{name}/blobs/{digest}"));
    }

    [Fact]
    public async Task An_empty_blob_can_be_pushed()
    {
        var name = ServerFixture.NewRepository();
        var blob = new TestBlob([], "application/vnd.oci.empty.v1+json");
        using var response = await Client.PushBlobAsync(name, blob);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Empty(await Client.GetByteArrayAsync($"/v2/{name}/blobs/{blob.Digest}"));
    }

    [Fact]
    public async Task Bytes_missing_behind_the_databases_back_are_a_500_in_the_specs_format_not_a_short_200()
    {
        var name = ServerFixture.NewRepository();
        var blob = TestBlob.Random(1000);
        (await Client.PushBlobAsync(name, blob)).Dispose();
        var hex = blob.Digest["sha256:".Length..];
        File.Delete(Path.Join(fixture.Server.DataDirectory, "storage", "blobs", "sha256", hex[..2], hex, "data"));

        using var response = await Client.GetAsync($"/v2/{name}/blobs/{blob.Digest}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("UNKNOWN", await response.ErrorCodeAsync());
        using var next = await Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
