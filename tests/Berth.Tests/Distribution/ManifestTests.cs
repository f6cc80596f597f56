using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class ManifestTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    private static async Task<TestImage> PushImageAsync(HttpClient client, string name, string tag, bool docker = false)
    {
        var builder = TestImage.Create();
        if (docker)
        {
            builder.AsDockerSchema2();
        }

        var image = builder.WithLayer(2000).WithLayer(3000).Build();
        await client.PushImageAsync(name, image, tag);
        return image;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Push_then_get_and_head_by_tag_and_digest(bool docker)
    {
        var name = ServerFixture.NewRepository();
        var image = TestImage.Create();
        if (docker)
        {
            image.AsDockerSchema2();
        }

        image.WithLayer(2000).Build();
        foreach (var blob in image.Blobs)
        {
            (await Client.PushBlobAsync(name, blob)).Dispose();
        }

        using (var put = await Client.PushManifestAsync(name, "v1", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal($"/v2/{name}/manifests/{image.Manifest.Digest}", put.Headers.Location!.OriginalString);
            Assert.Equal(image.Manifest.Digest, put.Headers.GetValues("Docker-Content-Digest").Single());
        }

        foreach (var reference in new[] { "v1", image.Manifest.Digest })
        {
            using var get = await Client.GetAsync($"/v2/{name}/manifests/{reference}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(image.Manifest.MediaType, get.Content.Headers.ContentType!.MediaType);
            Assert.Equal(image.Manifest.Digest, get.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(image.Manifest.Content, await get.Content.ReadAsByteArrayAsync());

            using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{name}/manifests/{reference}"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(image.Manifest.Size, head.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task Accept_is_honoured()
    {
        var name = ServerFixture.NewRepository();
        var image = await PushImageAsync(Client, name, "v1");

        using var accepted = new HttpRequestMessage(HttpMethod.Get, $"/v2/{name}/manifests/v1");
        accepted.Headers.Accept.ParseAdd(TestImage.DockerManifest);
        accepted.Headers.Accept.ParseAdd(TestImage.OciManifest);
        using (var response = await Client.SendAsync(accepted))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var refused = new HttpRequestMessage(HttpMethod.Get, $"/v2/{name}/manifests/v1");
        refused.Headers.Accept.ParseAdd(TestImage.DockerManifest);
        using var notAcceptable = await Client.SendAsync(refused);
        Assert.Equal(HttpStatusCode.NotFound, notAcceptable.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await notAcceptable.ErrorCodeAsync());
        Assert.NotNull(image);
    }

    [Fact]
    public async Task An_index_and_a_manifest_list_need_their_children_first()
    {
        var name = ServerFixture.NewRepository();
        var amd = await PushImageAsync(Client, name, "amd");
        var docker = await PushImageAsync(Client, name, "docker", docker: true);
        var missing = TestImage.Create().WithLayer(10).Build();

        var orphanIndex = TestImage.Index(TestImage.OciIndex, amd.Manifest, missing.Manifest);
        using (var refused = await Client.PushManifestAsync(name, "multi", orphanIndex))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("MANIFEST_BLOB_UNKNOWN", await refused.ErrorCodeAsync());
        }

        var index = TestImage.Index(TestImage.OciIndex, amd.Manifest);
        using (var put = await Client.PushManifestAsync(name, "multi", index))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var list = TestImage.Index("application/vnd.docker.distribution.manifest.list.v2+json", docker.Manifest);
        using (var put = await Client.PushManifestAsync(name, "list", list))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var get = await Client.GetAsync($"/v2/{name}/manifests/list");
        Assert.Equal("application/vnd.docker.distribution.manifest.list.v2+json", get.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Every_named_blob_must_be_in_the_repository()
    {
        var name = ServerFixture.NewRepository();
        var image = TestImage.Create().WithLayer(100).Build();
        (await Client.PushBlobAsync(name, image.Config)).Dispose();
        // The layer exists, but in another repository: it does not count.
        (await Client.PushBlobAsync(ServerFixture.NewRepository(), image.Layers[0])).Dispose();

        using var response = await Client.PushManifestAsync(name, "v1", image.Manifest);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", await response.ErrorCodeAsync());
        Assert.Contains(image.Layers[0].Digest, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_descriptor_size_that_lies_is_manifest_invalid()
    {
        var name = ServerFixture.NewRepository();
        var image = TestImage.Create().WithLayer(100).Build();
        foreach (var blob in image.Blobs)
        {
            (await Client.PushBlobAsync(name, blob)).Dispose();
        }

        var lying = Encoding.UTF8.GetString(image.Manifest.Content).Replace("\"size\":100", "\"size\":99", StringComparison.Ordinal);
        using var response = await Client.PushManifestAsync(name, "v1", new TestBlob(Encoding.UTF8.GetBytes(lying), TestImage.OciManifest));
        Assert.Equal("MANIFEST_INVALID", await response.ErrorCodeAsync());
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadManifests => new()
    {
        { "not json", TestImage.OciManifest, "MANIFEST_INVALID", HttpStatusCode.BadRequest },
        { """{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]}""", "application/vnd.docker.distribution.manifest.v1+prettyjws", "UNSUPPORTED", HttpStatusCode.MethodNotAllowed },
        { """{"schemaVersion":1,"name":"x"}""", "application/json", "UNSUPPORTED", HttpStatusCode.MethodNotAllowed },
        { """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""", TestImage.OciManifest, "MANIFEST_INVALID", HttpStatusCode.BadRequest },
        { """{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1},"layers":[]}""", TestImage.OciIndex, "MANIFEST_INVALID", HttpStatusCode.BadRequest },
        { """{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha999:11","size":1},"layers":[]}""", TestImage.OciManifest, "MANIFEST_INVALID", HttpStatusCode.BadRequest },
        { """{"schemaVersion":2,"layers":[]}""", TestImage.OciManifest, "MANIFEST_INVALID", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public async Task Malformed_manifests_are_refused_with_the_specs_error(string body, string contentType, string code, HttpStatusCode status)
    {
        var name = ServerFixture.NewRepository();
        var good = await PushImageAsync(Client, name, "v1");
        using var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.PutAsync($"/v2/{name}/manifests/v1", content);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await response.ErrorCodeAsync());

        // Nothing already stored changed.
        using var get = await Client.GetAsync($"/v2/{name}/manifests/v1");
        Assert.Equal(good.Manifest.Content, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_manifest_over_4_MiB_is_refused()
    {
        var name = ServerFixture.NewRepository();
        var huge = "{\"schemaVersion\":2,\"annotations\":{\"a\":\"" + new string('x', 4 * 1024 * 1024) + "\"},\"config\":{},\"layers\":[]}";
        using var content = new StringContent(huge);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(TestImage.OciManifest);
        using var response = await Client.PutAsync($"/v2/{name}/manifests/big", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("SIZE_INVALID", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task A_manifest_put_by_a_digest_it_does_not_have_is_digest_invalid()
    {
        var name = ServerFixture.NewRepository();
        var image = await PushImageAsync(Client, name, "v1");
        var other = TestBlob.Random(10).Digest;
        using var response = await Client.PushManifestAsync(name, other, image.Manifest);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await response.ErrorCodeAsync());

        using var byDigest = await Client.PushManifestAsync(name, image.Manifest.Digest, image.Manifest);
        Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);
    }

    [Theory]
    [InlineData(".bad")]
    [InlineData("-bad")]
    public async Task An_invalid_tag_is_manifest_invalid(string tag)
    {
        var name = ServerFixture.NewRepository();
        var image = await PushImageAsync(Client, name, "v1");
        using var response = await Client.PushManifestAsync(name, tag, image.Manifest);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MANIFEST_INVALID", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task Unknown_repository_and_unknown_manifest()
    {
        using (var response = await Client.GetAsync($"/v2/{ServerFixture.NewRepository()}/manifests/latest"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("NAME_UNKNOWN", await response.ErrorCodeAsync());
        }

        var name = ServerFixture.NewRepository();
        await PushImageAsync(Client, name, "v1");
        using var unknown = await Client.GetAsync($"/v2/{name}/manifests/v2");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await unknown.ErrorCodeAsync());
    }

    [Fact]
    public async Task Deleting_a_tag_keeps_the_manifest_and_deleting_the_digest_removes_every_tag()
    {
        var name = ServerFixture.NewRepository();
        var image = await PushImageAsync(Client, name, "v1");
        (await Client.PushManifestAsync(name, "v2", image.Manifest)).Dispose();
        (await Client.PushManifestAsync(name, "v3", image.Manifest)).Dispose();

        using (var deleteTag = await Client.DeleteAsync($"/v2/{name}/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.Accepted, deleteTag.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v2/{name}/manifests/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/v2/{name}/manifests/v2")).StatusCode);

        using (var deleteDigest = await Client.DeleteAsync($"/v2/{name}/manifests/{image.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, deleteDigest.StatusCode);
        }

        foreach (var reference in new[] { "v2", "v3", image.Manifest.Digest })
        {
            using var gone = await Client.GetAsync($"/v2/{name}/manifests/{reference}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("MANIFEST_UNKNOWN", await gone.ErrorCodeAsync());
        }

        using var again = await Client.DeleteAsync($"/v2/{name}/manifests/{image.Manifest.Digest}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await again.ErrorCodeAsync());
        Assert.Contains("\"tags\":[]", await Client.GetStringAsync($"/v2/{name}/tags/list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retag_moves_the_tag()
    {
        var name = ServerFixture.NewRepository();
        await PushImageAsync(Client, name, "latest");
        var second = await PushImageAsync(Client, name, "latest");
        using var get = await Client.GetAsync($"/v2/{name}/manifests/latest");
        Assert.Equal(second.Manifest.Digest, get.Headers.GetValues("Docker-Content-Digest").Single());
    }
}
