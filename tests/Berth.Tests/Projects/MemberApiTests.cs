using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Projects;

/// <summary>/api/v2.0/projects/{p}/members: roles granted through the API change what /v2/ allows.</summary>
public sealed class MemberApiTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "owner", "Passw0rdOwner");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "helper", "Passw0rdHelper");
        using var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", Owner, """{"project_name":"shop"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static readonly string Owner = TestCredentials.Basic("owner", "Passw0rdOwner");
    private static readonly string Helper = TestCredentials.Basic("helper", "Passw0rdHelper");

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? json = null) =>
        _server.SendAsync(method, path, authorization, json);

    [Fact]
    public async Task Granting_changing_and_removing_a_role()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/v2/shop/app/tags/list", Helper)).StatusCode);

        using var added = await SendAsync(HttpMethod.Post, "/api/v2.0/projects/shop/members", Owner,
            """{"role_id":3,"member_user":{"username":"helper"}}""");
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var location = added.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/projects/shop/members/[0-9]+$", location);

        using var list = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/shop/members", Helper);
        Assert.True(list.StatusCode == HttpStatusCode.OK, $"{(int)list.StatusCode} {await list.Content.ReadAsStringAsync()}");
        Assert.Equal("2", list.Headers.GetValues("X-Total-Count").Single());
        using var listJson = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        var helper = listJson.RootElement.EnumerateArray().Single(m => m.GetProperty("entity_name").GetString() == "helper");
        Assert.Equal("guest", helper.GetProperty("role_name").GetString());
        Assert.Equal(3, helper.GetProperty("role_id").GetInt32());
        Assert.Equal("u", helper.GetProperty("entity_type").GetString());

        // A guest pulls but may not push, nor manage members.
        await _server.Client.PushImageAsync("shop/app", TestImage.Create().WithLayer(10).Build(), "v1");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v2/shop/app/tags/list", Helper)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/v2/shop/app/blobs/uploads/", Helper)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, location, Helper, """{"role_id":1}""")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, location, Owner, """{"role_id":2}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, "/v2/shop/app/blobs/uploads/", Helper)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, location, Owner)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/v2/shop/app/tags/list", Helper)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v2.0/projects/shop/members", Helper)).StatusCode);
    }

    [Theory]
    [InlineData("""{"role_id":9,"member_user":{"username":"helper"}}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"role_id":2}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"role_id":2,"member_user":{"username":"ghost"}}""", HttpStatusCode.NotFound)]
    [InlineData("""{"role_id":2,"member_user":{"username":"owner"}}""", HttpStatusCode.Conflict)]
    [InlineData("""{"role_id":"2"}""", HttpStatusCode.BadRequest)]
    public async Task Bad_member_requests(string body, HttpStatusCode status)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/projects/shop/members", Owner, body);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains("\"errors\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_are_listed_by_name_filtered_by_entityname_and_paged()
    {
        foreach (var (name, role) in new[] { ("zed", 2), ("amy", 3), ("zoe", 4) })
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, name, "Passw0rd" + name);
            using var added = await SendAsync(HttpMethod.Post, "/api/v2.0/projects/shop/members", Owner,
                $$$"""{"role_id":{{{role}}},"member_user":{"username":"{{{name}}}"}}""");
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        async Task<string[]> NamesAsync(string query)
        {
            using var response = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/shop/members" + query, Owner);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.EnumerateArray().Select(m => m.GetProperty("entity_name").GetString()!).ToArray();
        }

        Assert.Equal(["amy", "owner", "zed", "zoe"], await NamesAsync(""));
        Assert.Equal(["zed", "zoe"], await NamesAsync("?entityname=z"));
        Assert.Equal(["zoe"], await NamesAsync("?entityname=z&page=2&page_size=1"));
        using var page = await SendAsync(HttpMethod.Get, "/api/v2.0/projects/shop/members?entityname=z&page_size=1", Owner);
        Assert.Equal("2", page.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal("</api/v2.0/projects/shop/members?entityname=z&page=2&page_size=1>; rel=\"next\"", page.Headers.GetValues("Link").Single());
    }
}
