using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Projects;

/// <summary>GET /projects/{p}/_deletable and /summary: what they count, and who may ask.</summary>
public sealed class ProjectSummaryTests : IAsyncLifetime
{
    private static readonly string[] Members = ["bob", "carol", "dave", "erin"];
    private static readonly string Alice = TestCredentials.Basic("alice", "Passw0rdAlice");

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        foreach (var user in Members.Append("alice").Append("outsider"))
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, user, "Passw0rd" + Capitalized(user));
        }
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Capitalized(string user) => char.ToUpperInvariant(user[0]) + user[1..];

    private static string As(string user) => TestCredentials.Basic(user, "Passw0rd" + Capitalized(user));

    private async Task<JsonElement> JsonAsync(string path, string authorization, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, path, authorization);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task The_summary_counts_repositories_and_members_by_role_for_those_who_may_list_members()
    {
        (await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"delta"}""")).Dispose();
        foreach (var (user, role) in new[] { ("bob", 2), ("carol", 3), ("dave", 5), ("erin", 4) })
        {
            using var added = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects/delta/members", Alice,
                $$$"""{"role_id":{{{role}}},"member_user":{"username":"{{{user}}}"}}""");
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var summary = await JsonAsync("/api/v2.0/projects/delta/summary", Alice);
        Assert.Equal(0, summary.GetProperty("repo_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("project_admin_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("developer_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("guest_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("maintainer_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("limited_guest_count").GetInt32());
        Assert.Equal(-1, summary.GetProperty("quota").GetProperty("hard").GetProperty("storage").GetInt64());
        Assert.Equal(0, summary.GetProperty("quota").GetProperty("used").GetProperty("storage").GetInt64());

        await _server.Client.PushImageAsync("delta/app", TestImage.Create().WithLayer(10).Build(), "v1");
        await _server.Client.PushImageAsync("delta/team/web", TestImage.Create().WithLayer(11).Build(), "v1");
        (await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization, """{"project_name":"deltax"}""")).Dispose();
        await _server.Client.PushImageAsync("deltax/app", TestImage.Create().WithLayer(12).Build(), "v1");   // a name that starts alike is another project
        Assert.Equal(2, (await JsonAsync("/api/v2.0/projects/delta/summary", As("bob"))).GetProperty("repo_count").GetInt32());

        // A limited guest reads the project but not its members; so the counts stay out.
        var limited = await JsonAsync("/api/v2.0/projects/delta/summary", As("dave"));
        Assert.Equal(2, limited.GetProperty("repo_count").GetInt32());
        Assert.False(limited.TryGetProperty("project_admin_count", out _));

        await JsonAsync("/api/v2.0/projects/delta/summary", As("outsider"), HttpStatusCode.Forbidden);
        await JsonAsync("/api/v2.0/projects/delta/summary", TestCredentials.AdminAuthorization);
        await JsonAsync("/api/v2.0/projects/nothing/summary", TestCredentials.AdminAuthorization, HttpStatusCode.NotFound);
        using var anonymous = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/projects/delta/summary", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // A public project shows its repository count, and no members, to anyone.
        (await _server.SendAsync(HttpMethod.Put, "/api/v2.0/projects/delta", Alice, """{"metadata":{"public":"true"}}""")).Dispose();
        var outsider = await JsonAsync("/api/v2.0/projects/delta/summary", As("outsider"));
        Assert.Equal(2, outsider.GetProperty("repo_count").GetInt32());
        Assert.False(outsider.TryGetProperty("guest_count", out _));
    }

    [Fact]
    public async Task A_project_is_deletable_when_it_holds_no_repositories_and_only_its_administrators_may_ask()
    {
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Alice, """{"project_name":"epsilon"}""");
        var id = created.Headers.Location!.OriginalString.Split('/')[^1];
        (await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects/epsilon/members", Alice, """{"role_id":4,"member_user":{"username":"erin"}}""")).Dispose();

        var empty = await JsonAsync($"/api/v2.0/projects/{id}/_deletable", Alice);
        Assert.True(empty.GetProperty("deletable").GetBoolean());
        Assert.False(empty.TryGetProperty("message", out _));

        var image = TestImage.Create().WithLayer(20).Build();
        await _server.Client.PushImageAsync("epsilon/app", image, "v1");
        var full = await JsonAsync("/api/v2.0/projects/epsilon/_deletable", Alice);
        Assert.False(full.GetProperty("deletable").GetBoolean());
        var message = full.GetProperty("message").GetString();
        Assert.False(string.IsNullOrEmpty(message));

        // DELETE refuses for the same reason, in the same words.
        using var refused = await _server.SendAsync(HttpMethod.Delete, "/api/v2.0/projects/epsilon", Alice);
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Contains(message!, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await JsonAsync("/api/v2.0/projects/epsilon/_deletable", As("erin"), HttpStatusCode.Forbidden);   // a maintainer may not delete
        await JsonAsync("/api/v2.0/projects/epsilon/_deletable", As("outsider"), HttpStatusCode.Forbidden);
        await JsonAsync("/api/v2.0/projects/nothing/_deletable", As("outsider"), HttpStatusCode.Forbidden);
        await JsonAsync("/api/v2.0/projects/nothing/_deletable", TestCredentials.AdminAuthorization, HttpStatusCode.NotFound);

        (await _server.Client.DeleteAsync($"/v2/epsilon/app/manifests/{image.Manifest.Digest}")).Dispose();
        Assert.True((await JsonAsync("/api/v2.0/projects/epsilon/_deletable", TestCredentials.AdminAuthorization)).GetProperty("deletable").GetBoolean());
        using var deleted = await _server.SendAsync(HttpMethod.Delete, "/api/v2.0/projects/epsilon", Alice);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }
}
