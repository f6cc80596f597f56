using System.Net;
using System.Text;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>
/// Every repository, artifact, tag, label, search and statistics operation: status, headers and body as Harbor's swagger
/// defines them, with no property it does not declare.
/// </summary>
public sealed class ArtifactContractTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Ida = TestCredentials.Basic("ida", "Passw0rdIda");
    private const string Repositories = "/api/v2.0/projects/shop/repositories";

    private BerthServer _server = null!;
    private TestImage _image = null!;
    private TestImage _child = null!;
    private TestBlob _index = null!;
    private long _projectId;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "ida", "Passw0rdIda");
        using (var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Ida, """{"project_name":"shop"}"""))
        {
            _projectId = long.Parse(created.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        _image = TestImage.Create().WithLayer(80).Build();
        await _server.Client.PushImageAsync("shop/web/app", _image, "v1");
        var signature = TestImage.Create().WithLayer(8).Referring(_image.Manifest, "application/vnd.dev.cosign.artifact.sig.v1+json").Build();
        _child = TestImage.Create().WithLayer(81).Build();
        foreach (var blob in signature.Blobs.Concat(_child.Blobs))
        {
            (await _server.Client.PushBlobAsync("shop/web/app", blob)).Dispose();
        }

        (await _server.Client.PushManifestAsync("shop/web/app", signature.Manifest.Digest, signature.Manifest)).Dispose();
        (await _server.Client.PushManifestAsync("shop/web/app", _child.Manifest.Digest, _child.Manifest)).Dispose();
        var entry = $$$"""{"mediaType":"{{{TestImage.OciManifest}}}","digest":"{{{_child.Manifest.Digest}}}","size":{{{_child.Manifest.Size}}},"platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763","os.features":["win32k"],"features":["sse4"]},"annotations":{"a":"b"},"urls":["https://example.com/x"]}""";
        _index = new TestBlob(Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{TestImage.OciIndex}}","manifests":[{{entry}}]}"""), TestImage.OciIndex);
        using var index = await _server.Client.PushManifestAsync("shop/web/app", "multi", _index);
        Assert.Equal(HttpStatusCode.Created, index.StatusCode);
        await _server.Client.PushImageAsync("shop/other", TestImage.Create().WithLayer(82).Build(), "v1");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization = null, string? body = null) =>
        _server.SendAsync(method, path, authorization ?? Admin, body);

    [Fact]
    public async Task Repository_operations_answer_in_harbors_shape()
    {
        await AssertListAsync(await SendAsync(HttpMethod.Get, Repositories + "?page_size=1"), "Repository", 2, "next");
        await AssertListAsync(await SendAsync(HttpMethod.Get, Repositories + "?page=2&page_size=1&q=name%3D~shop&sort=name"), "Repository", 2, "prev");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/repositories?page_size=100"), "Repository", 2);
        var repository = await AssertObjectAsync(await SendAsync(HttpMethod.Get, Repositories + "/web%252Fapp"), "Repository");
        Assert.Equal("shop/web/app", repository.GetProperty("name").GetString());
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, Repositories + "/web%252Fapp", body: """{"description":"the shop"}"""));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, Repositories + "/other"));
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, Repositories + "/other"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Artifact_and_tag_operations_answer_in_harbors_shape()
    {
        var artifacts = Repositories + "/web%252Fapp/artifacts";
        var list = await AssertListAsync(await SendAsync(HttpMethod.Get, artifacts + "?with_label=true&with_accessory=true&page_size=1"),
            "Artifact", 2, "next");
        Assert.Equal(_index.Digest, list[0].GetProperty("digest").GetString());
        var platform = list[0].GetProperty("references")[0].GetProperty("platform");
        Assert.Equal("10.0.17763", platform.GetProperty("'os.version'").GetString());
        Assert.Equal("win32k", platform.GetProperty("'os.features'")[0].GetString());

        var image = await AssertObjectAsync(await SendAsync(HttpMethod.Get, artifacts + "/v1?with_accessory=true&with_label=true"), "Artifact");
        Assert.Equal("signature.cosign", Assert.Single(image.GetProperty("accessories").EnumerateArray()).GetProperty("type").GetString());
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, artifacts + "/" + _image.Manifest.Digest + "?with_tag=false"), "Artifact");

        await AssertListAsync(await SendAsync(HttpMethod.Get, artifacts + "/v1/tags"), "Tag", 1);
        using (var created = await SendAsync(HttpMethod.Post, artifacts + "/v1/tags", body: """{"name":"v1.0"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("", await created.Content.ReadAsStringAsync());
        }

        await AssertListAsync(await SendAsync(HttpMethod.Get, artifacts + "/v1/tags?page=1&page_size=1"), "Tag", 2, "next");
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, artifacts + "/v1/tags/v1.0"));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, artifacts + "/multi"));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, artifacts + "/" + _image.Manifest.Digest));
        Assert.Empty((await AssertListAsync(await SendAsync(HttpMethod.Get, artifacts), "Artifact", 0)).EnumerateArray());
    }

    [Fact]
    public async Task Label_operations_answer_in_harbors_shape()
    {
        string location;
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/labels", Ida, $$"""{"name":"hot","color":"#FF0000","scope":"p","project_id":{{_projectId}}}"""))
        {
            location = AssertCreated(created, "/api/v2.0/labels/[0-9]+");
        }

        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/labels", body: """{"name":"prod","scope":"g"}"""))
        {
            AssertCreated(created, "/api/v2.0/labels/[0-9]+");
        }

        var label = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location, Ida), "Label");
        await AssertListAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/labels?scope=p&project_id={_projectId}", Ida), "Label", 1);
        await AssertListAsync(await _server.SendAsync(HttpMethod.Get, "/api/v2.0/labels?scope=g", null), "Label", 1);
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, Ida, """{"name":"hotter","color":"#FF0001"}"""));

        var labels = Repositories + "/web%252Fapp/artifacts/v1/labels";
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Post, labels, Ida, $$"""{"id":{{label.GetProperty("id").GetInt64()}}}"""));
        var artifact = await AssertObjectAsync(await SendAsync(HttpMethod.Get, Repositories + "/web%252Fapp/artifacts/v1?with_label=true", Ida), "Artifact");
        Assert.Equal("hotter", Assert.Single(artifact.GetProperty("labels").EnumerateArray()).GetProperty("name").GetString());
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, $"{labels}/{label.GetProperty("id").GetInt64()}", Ida));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, location, Ida));
    }

    [Fact]
    public async Task Search_and_statistics_answer_in_harbors_shape()
    {
        var search = await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/search?q=shop", Ida), "Search");
        Assert.Equal("shop", Assert.Single(search.GetProperty("project").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(2, search.GetProperty("repository").GetArrayLength());
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/statistics", Ida), "Statistic");
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/statistics"), "Statistic");
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        var app = Repositories + "/web%252Fapp";
        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Get, Repositories, "", null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/projects/nope/repositories", Ida, null, HttpStatusCode.Forbidden),
            (HttpMethod.Get, "/api/v2.0/projects/nope/repositories", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, Repositories + "?q=name", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, Repositories + "?sort=secret", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, Repositories + "?page=0", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, Repositories + "/NOT%252Fvalid", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, Repositories + "/missing", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Put, app, Admin, "{", HttpStatusCode.BadRequest),
            (HttpMethod.Delete, Repositories + "/missing", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, app + "/artifacts?q=nope%3D1", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, app + "/artifacts?with_tag=sometimes", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, app + "/artifacts/sha256:bad", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, app + "/artifacts/v9", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, app + "/artifacts/" + _child.Manifest.Digest, Admin, null, HttpStatusCode.PreconditionFailed),
            (HttpMethod.Get, app + "/artifacts/v9/tags", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Post, app + "/artifacts/v1/tags", Admin, """{"name":"multi"}""", HttpStatusCode.Conflict),
            (HttpMethod.Post, app + "/artifacts/v1/tags", Admin, """{"name":"no good"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Delete, app + "/artifacts/v1/tags/multi", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Post, app + "/artifacts/v1/labels", Admin, """{"id":999999}""", HttpStatusCode.NotFound),
            (HttpMethod.Delete, app + "/artifacts/v1/labels/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/labels?scope=q", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/labels", Ida, """{"name":"g","scope":"g"}""", HttpStatusCode.Forbidden),
            (HttpMethod.Post, "/api/v2.0/labels", Admin, """{"name":"","scope":"g"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/labels/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Put, "/api/v2.0/labels/999999", Ida, "{}", HttpStatusCode.Forbidden),
            (HttpMethod.Delete, "/api/v2.0/labels/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/search", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/statistics", "", null, HttpStatusCode.Unauthorized),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            using var response = await _server.SendAsync(method, path, authorization == "" ? null : authorization, body);
            await AssertErrorAsync(response, status);
        }
    }
}
