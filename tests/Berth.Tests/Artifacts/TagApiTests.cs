using System.Net;
using Berth.Data.Entities;
using Berth.Testing;
using static Berth.Tests.Artifacts.ArtifactApi;

namespace Berth.Tests.Artifacts;

/// <summary><c>…/artifacts/{reference}/tags</c>: list, create and delete, with Harbor's statuses.</summary>
public sealed class TagApiTests : IAsyncLifetime
{
    private static readonly string Guest = TestCredentials.Basic("guest3", "guest3-password");
    private static readonly string Developer = TestCredentials.Basic("developer3", "developer3-password");
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "guest3", "guest3-password", "test", ProjectRole.Guest);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "developer3", "developer3-password", "test", ProjectRole.Developer);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Tags_are_listed_created_and_deleted_under_their_artifact()
    {
        var image = TestImage.Create().WithLayer(25).Build();
        var other = TestImage.Create().WithLayer(26).Build();
        await _server.Client.PushImageAsync("test/tags", image, "v1");
        await _server.Client.PushImageAsync("test/tags", other, "other");
        var tags = ArtifactsUrl("test/tags") + "/v1/tags";

        var (list, json) = await GetAsync(_server, tags);
        Assert.Equal(1, TotalCount(list));
        list.Dispose();
        AssertTag(Assert.Single(json.EnumerateArray()));
        Assert.Equal(["v1"], Names(json));

        using (var created = await _server.SendAsync(HttpMethod.Post, tags, Developer, """{"name":"stable","id":42}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Null(created.Headers.Location);
        }

        // The new tag names the artifact on /v2/ too.
        using (var pull = await _server.Client.GetAsync("/v2/test/tags/manifests/stable"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
            Assert.Equal(image.Manifest.Digest, pull.Headers.GetValues("Docker-Content-Digest").Single());
        }

        var (both, bothJson) = await GetAsync(_server, tags + "?page_size=1");
        Assert.Equal(2, TotalCount(both));
        Assert.Equal(["stable"], Names(bothJson));
        AssertLinks(both, tags, 1, ("next", 2));
        both.Dispose();
        Assert.Equal(["v1", "stable"], Names(await JsonAsync(_server, tags + "?sort=-name")));
        Assert.Equal(["v1"], Names(await JsonAsync(_server, tags + "?q=name%3D~1")));

        // A name the repository uses already, on this artifact or another, is a conflict; the tag does not move.
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.Conflict, "CONFLICT", """{"name":"other"}""");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.Conflict, "CONFLICT", """{"name":"v1"}""");
        Assert.Equal(other.Manifest.Digest, (await JsonAsync(_server, ArtifactsUrl("test/tags") + "/other")).GetProperty("digest").GetString());

        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.BadRequest, "BAD_REQUEST", """{"name":".bad"}""");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.BadRequest, "BAD_REQUEST", """{"name":""}""");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.BadRequest, "BAD_REQUEST", "{}");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.BadRequest, "BAD_REQUEST", "[1,2");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.BadRequest, "BAD_REQUEST", "{\"name\":\"" + new string('a', 129) + "\"}");
        await ErrorAsync(_server, HttpMethod.Post, ArtifactsUrl("test/tags") + "/nothere/tags", HttpStatusCode.NotFound, "NOT_FOUND", """{"name":"x"}""");
        await ErrorAsync(_server, HttpMethod.Post, tags, HttpStatusCode.Forbidden, "FORBIDDEN", """{"name":"guest"}""", Guest);

        // A tag the artifact does not carry is not found, even if another artifact carries it.
        await ErrorAsync(_server, HttpMethod.Delete, tags + "/other", HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Delete, tags + "/stable", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Developer);
        await ExpectAsync(_server, HttpMethod.Delete, tags + "/stable", HttpStatusCode.OK);
        await ErrorAsync(_server, HttpMethod.Delete, tags + "/stable", HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(["v1"], Names(await JsonAsync(_server, ArtifactsUrl("test/tags") + "/" + image.Manifest.Digest + "/tags", Guest)));

        // The last tag goes, the artifact stays, untagged.
        await ExpectAsync(_server, HttpMethod.Delete, tags + "/v1", HttpStatusCode.OK);
        Assert.Empty((await JsonAsync(_server, ArtifactsUrl("test/tags") + "/" + image.Manifest.Digest)).GetProperty("tags").EnumerateArray());
        await ErrorAsync(_server, HttpMethod.Get, ArtifactsUrl("test/tags") + "/" + image.Manifest.Digest + "/tags?q=bogus%3D1", HttpStatusCode.BadRequest, "BAD_REQUEST");
    }
}
