using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Projects;

/// <summary>/api/v2.0/projects with Harbor's shapes, statuses and headers.</summary>
public sealed class ProjectApiTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "alice", "alice-password");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "bob", "bob-password");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static readonly string Alice = TestCredentials.Basic("alice", "alice-password");
    private static readonly string Bob = TestCredentials.Basic("bob", "bob-password");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? json = null,
        Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var (key, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        return await _server.Anonymous.SendAsync(request);
    }

    private static async Task<string> HarborErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        return error.GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task A_user_creates_a_project_administers_it_and_pushes_into_it()
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice,
            """{"project_name":"alpha","metadata":{"public":"false"},"storage_limit":-1,"owner_id":1,"project_id":999}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/projects/[0-9]+$", location);

        using var get = await SendAsync(HttpMethod.Get, location, Alice);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var project = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        var root = project.RootElement;
        Assert.Equal("alpha", root.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("project_id").ValueKind);
        Assert.NotEqual(999, root.GetProperty("project_id").GetInt64());
        Assert.Equal("alice", root.GetProperty("owner_name").GetString());
        Assert.Equal(1, root.GetProperty("current_user_role_id").GetInt32());
        Assert.Equal("false", root.GetProperty("metadata").GetProperty("public").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("registry_id").ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("creation_time").ValueKind);
        Assert.Equal(0, root.GetProperty("repo_count").GetInt32());

        using var byName = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/alpha", Alice);
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);

        // The creator administers the project: she pushes into it over /v2/.
        using var upload = await SendAsync(HttpMethod.Post, "/v2/alpha/app/blobs/uploads/", Alice);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);

        using var named = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"beta"}""",
            new() { ["X-Resource-Name-In-Location"] = "true" });
        Assert.Equal("/api/v2.0/projects/beta", named.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("""{"project_name":"Upper"}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name":"a..b"}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name":""}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name":"proxy","registry_id":3}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name":"bad-public","metadata":{"public":"maybe"}}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name": 42}""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""not json""", HttpStatusCode.BadRequest, "BAD_REQUEST")]
    [InlineData("""{"project_name":"library"}""", HttpStatusCode.Conflict, "CONFLICT")]
    public async Task Bad_requests_get_harbors_error_body(string body, HttpStatusCode status, string code)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, body);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await HarborErrorAsync(response));
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_413_in_harbors_format()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice,
            "{\"project_name\":\"big\",\"comment\":\"" + new string('x', 2 * 1024 * 1024) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("REQUEST_ENTITY_TOO_LARGE", await HarborErrorAsync(response));
    }

    [Fact]
    public async Task Anonymous_callers_create_nothing_and_wrong_passwords_are_401()
    {
        using var anonymous = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", null, """{"project_name":"nope"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("UNAUTHORIZED", await HarborErrorAsync(anonymous));
        using var wrong = await SendAsync(HttpMethod.Get, "/api/v2.0/projects", TestCredentials.Basic("alice", "wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Lists_show_what_the_caller_may_see_with_total_count_and_link()
    {
        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"listed-private"}""")).Dispose();
        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"listed-public","metadata":{"public":"true"}}""")).Dispose();

        using var anonymous = await SendAsync(HttpMethod.Get, "/api/v2.0/projects?name=listed", null);
        using var anonymousJson = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(["listed-public"], anonymousJson.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("1", anonymous.Headers.GetValues("X-Total-Count").Single());

        using var owner = await SendAsync(HttpMethod.Get, "/api/v2.0/projects?name=listed&page=1&page_size=1", Alice);
        using var ownerJson = JsonDocument.Parse(await owner.Content.ReadAsStringAsync());
        Assert.Single(ownerJson.RootElement.EnumerateArray());
        Assert.Equal("2", owner.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal("</api/v2.0/projects?name=listed&page=2&page_size=1>; rel=\"next\"", owner.Headers.GetValues("Link").Single());

        using var admin = await SendAsync(HttpMethod.Get, "/api/v2.0/projects?page_size=1000", TestCredentials.AdminAuthorization);
        using var adminJson = JsonDocument.Parse(await admin.Content.ReadAsStringAsync());
        Assert.True(adminJson.RootElement.GetArrayLength() <= 100);

        using var bad = await SendAsync(HttpMethod.Get, "/api/v2.0/projects?page=0", Alice);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Hidden_and_unknown_projects_look_the_same_to_everyone_but_administrators()
    {
        (await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"hidden"}""")).Dispose();
        using var hidden = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/hidden", Bob);
        using var unknown = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/unknown", Bob);
        Assert.Equal(HttpStatusCode.Forbidden, hidden.StatusCode);
        Assert.Equal(hidden.StatusCode, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v2.0/projects/hidden", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v2.0/projects/unknown", TestCredentials.AdminAuthorization)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v2.0/projects/library", null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Head, "/api/v2.0/projects?project_name=hidden", Bob)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Head, "/api/v2.0/projects?project_name=unknown", Bob)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Head, "/api/v2.0/projects?project_name=hidden", null)).StatusCode);
    }

    [Fact]
    public async Task Only_its_administrators_update_or_delete_a_project_and_only_when_empty()
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"gamma"}""");
        var location = created.Headers.Location!.OriginalString;
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, location, Bob, """{"metadata":{"public":"true"}}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, location, Bob)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, location, Alice, """{"metadata":{"public":"true"}}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, location, null)).StatusCode);

        var image = TestImage.Create().WithLayer(10).Build();
        await _server.Client.PushImageAsync("gamma/app", image, "v1");
        using var full = await SendAsync(HttpMethod.Delete, location, Alice);
        Assert.Equal(HttpStatusCode.PreconditionFailed, full.StatusCode);
        Assert.Equal("PRECONDITION", await HarborErrorAsync(full));

        (await _server.Client.DeleteAsync($"/v2/gamma/app/manifests/{image.Manifest.Digest}")).Dispose();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, location, Alice)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, location, TestCredentials.AdminAuthorization)).StatusCode);
        // The name is free again, and nobody can push into the deleted project meanwhile.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/v2/gamma/app/blobs/uploads/", Alice)).StatusCode);
    }
}
