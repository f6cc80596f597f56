using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;

namespace Berth.Tests.Auth;

/// <summary>/v2/ asks the RBAC evaluator: anonymous, Basic users and bearer tokens, allowed and refused.</summary>
public sealed class RegistryAuthTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        var alice = await AuthTestData.AddUserAsync(_server, "alice", "alice-password");
        var bob = await AuthTestData.AddUserAsync(_server, "bob", "bob-password");
        await using var db = DataDirectory.Open(_server.DataDirectory);
        var team = db.Projects.Single(p => p.Name == "team").Id;
        await AuthTestData.AddMemberAsync(_server, team, alice, ProjectRole.Developer);
        await AuthTestData.AddMemberAsync(_server, team, bob, ProjectRole.Guest);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await _server.Anonymous.SendAsync(request);
    }

    private async Task<string> TokenAsync(string scope, string? user = null, string? password = null)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/service/token?service=harbor-registry&scope={scope}",
            user is null ? null : TestCredentials.Basic(user, password!));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return "Bearer " + json.RootElement.GetProperty("token").GetString();
    }

    private static string Alice => TestCredentials.Basic("alice", "alice-password");

    private static string Bob => TestCredentials.Basic("bob", "bob-password");

    [Fact]
    public async Task An_anonymous_base_request_is_challenged_to_the_token_service()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v2/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHORIZED", await response.ErrorCodeAsync());
        Assert.Equal($"Bearer realm=\"{_server.Address.ToString().TrimEnd('/')}/service/token\",service=\"harbor-registry\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());

        using var login = await SendAsync(HttpMethod.Get, "/v2/", Alice);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var wrong = await SendAsync(HttpMethod.Get, "/v2/", TestCredentials.Basic("alice", "nope"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Anyone_pulls_from_a_public_project_and_nobody_anonymous_from_a_private_one()
    {
        var image = TestImage.Create().WithLayer(100).Build();
        await _server.Client.PushImageAsync("library/open", image, "v1");
        await _server.Client.PushImageAsync("team/closed", image, "v1");

        using var open = await SendAsync(HttpMethod.Get, "/v2/library/open/manifests/v1", null);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        using var closed = await SendAsync(HttpMethod.Get, "/v2/team/closed/manifests/v1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
        Assert.Contains("scope=\"repository:team/closed:pull\"", closed.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        using var anonymousPush = await SendAsync(HttpMethod.Post, "/v2/library/open/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPush.StatusCode);
        Assert.Contains("scope=\"repository:library/open:pull,push\"", anonymousPush.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_allows_exactly_its_repository_and_actions()
    {
        var push = await TokenAsync("repository:team/app:pull,push", "alice", "alice-password");
        var image = TestImage.Create().WithLayer(100).Build();
        foreach (var blob in image.Blobs)
        {
            using var upload = await SendAsync(HttpMethod.Post, $"/v2/team/app/blobs/uploads/?digest={blob.Digest}", push, new ByteArrayContent(blob.Content));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var manifest = new ByteArrayContent(image.Manifest.Content);
        manifest.Headers.ContentType = new MediaTypeHeaderValue(image.Manifest.MediaType);
        using (var put = await SendAsync(HttpMethod.Put, "/v2/team/app/manifests/v1", push, manifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        // The same token on another repository: 401 with insufficient_scope, so the client asks for a new token.
        using var elsewhere = await SendAsync(HttpMethod.Get, "/v2/team/other/manifests/v1", push);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", elsewhere.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // A pull token does not push, and a developer's token does not delete.
        var pull = await TokenAsync("repository:team/app:pull,push", "bob", "bob-password");
        using (var get = await SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1", pull))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        using (var refused = await SendAsync(HttpMethod.Post, "/v2/team/app/blobs/uploads/", pull))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var delete = await SendAsync(HttpMethod.Delete, $"/v2/team/app/manifests/{image.Manifest.Digest}", push);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
        using var forged = await SendAsync(HttpMethod.Get, "/v2/team/app/manifests/v1", push[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task A_known_user_without_the_right_is_denied_and_an_unknown_project_looks_the_same()
    {
        using var guestPush = await SendAsync(HttpMethod.Post, "/v2/team/app/blobs/uploads/", Bob);
        Assert.Equal(HttpStatusCode.Forbidden, guestPush.StatusCode);
        Assert.Equal("DENIED", await guestPush.ErrorCodeAsync());

        // Private and existing, or not there at all: the same answer, so project names cannot be probed.
        using var secret = await SendAsync(HttpMethod.Get, "/v2/private/app/tags/list", Alice);
        using var missing = await SendAsync(HttpMethod.Get, "/v2/nowhere/app/tags/list", Alice);
        Assert.Equal(HttpStatusCode.Forbidden, secret.StatusCode);
        Assert.Equal(secret.StatusCode, missing.StatusCode);
        Assert.Equal((await secret.Content.ReadAsStringAsync()).Replace("private", "nowhere", StringComparison.Ordinal), await missing.Content.ReadAsStringAsync());

        // Nobody pushes into a project that does not exist, administrators included.
        using var adminPush = await SendAsync(HttpMethod.Post, "/v2/nowhere/app/blobs/uploads/", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.Forbidden, adminPush.StatusCode);
    }

    [Fact]
    public async Task The_catalog_is_for_system_administrators()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v2/_catalog", TestCredentials.AdminAuthorization)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/v2/_catalog", Alice)).StatusCode);
        using var anonymous = await SendAsync(HttpMethod.Get, "/v2/_catalog", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("scope=\"registry:catalog:*\"", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var catalogToken = await TokenAsync("registry:catalog:*", "admin", TestCredentials.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v2/_catalog", catalogToken)).StatusCode);
    }

    [Fact]
    public async Task A_mount_needs_pull_on_its_source()
    {
        var blob = TestBlob.Random(500);
        (await _server.Client.PushBlobAsync("private/source", blob)).Dispose();
        (await _server.Client.PushBlobAsync("library/source", blob)).Dispose();

        using var refused = await SendAsync(HttpMethod.Post, $"/v2/team/app/blobs/uploads/?mount={blob.Digest}&from=private/source", Alice);
        Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode);
        using var mounted = await SendAsync(HttpMethod.Post, $"/v2/team/app/blobs/uploads/?mount={blob.Digest}&from=library/source", Alice);
        Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
    }
}
