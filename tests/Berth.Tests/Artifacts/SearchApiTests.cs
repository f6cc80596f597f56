using System.Net;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using Berth.Tests.Auth;
using static Berth.Tests.Artifacts.ArtifactApi;

namespace Berth.Tests.Artifacts;

/// <summary><c>/api/v2.0/search</c> and <c>/api/v2.0/statistics</c>: what each caller may see, in Harbor's shapes.</summary>
public sealed class SearchApiTests : IAsyncLifetime
{
    private static readonly string Member = TestCredentials.Basic("member4", "member4-password");
    private static readonly string Outsider = TestCredentials.Basic("outsider4", "outsider4-password");
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "member4", "member4-password", "team", ProjectRole.Developer);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "outsider4", "outsider4-password");
        await AuthTestData.AddProjectAsync(_server, "findme-open", isPublic: true);
        await AuthTestData.AddProjectAsync(_server, "findme-closed", isPublic: false);
        var image = TestImage.Create().WithLayer(100).Build();
        await _server.Client.PushImageAsync("findme-open/app", image, "v1");
        await _server.Client.PushImageAsync("findme-closed/app", image, "v1");
        await _server.Client.PushImageAsync("team/findme", image, "v1");
        await _server.Client.PushImageAsync("team/other", TestImage.Create().WithLayer(50).Build(), "v1");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<(List<string> Projects, List<string> Repositories)> SearchAsync(string? authorization, string text = "findme")
    {
        using var response = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/search?q=" + text, authorization);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonDocument.Parse(body).RootElement;
        foreach (var project in json.GetProperty("project").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Number, project.GetProperty("project_id").ValueKind);
            Assert.Equal(JsonValueKind.String, project.GetProperty("name").ValueKind);
            Assert.Equal(JsonValueKind.Number, project.GetProperty("repo_count").ValueKind);
            Assert.Equal(JsonValueKind.Object, project.GetProperty("metadata").ValueKind);
        }

        foreach (var repository in json.GetProperty("repository").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Number, repository.GetProperty("project_id").ValueKind);
            Assert.Equal(JsonValueKind.String, repository.GetProperty("project_name").ValueKind);
            Assert.True(repository.GetProperty("project_public").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.Equal(JsonValueKind.String, repository.GetProperty("repository_name").ValueKind);
            Assert.Equal(JsonValueKind.Number, repository.GetProperty("pull_count").ValueKind);
            Assert.Equal(1, repository.GetProperty("artifact_count").GetInt64());
            Assert.StartsWith(repository.GetProperty("project_name").GetString() + "/", repository.GetProperty("repository_name").GetString(),
                StringComparison.Ordinal);
        }

        return (Names(json.GetProperty("project")), Names(json.GetProperty("repository"), "repository_name"));
    }

    [Fact]
    public async Task Search_finds_only_what_the_caller_may_see()
    {
        var admin = await SearchAsync(TestCredentials.AdminAuthorization);
        Assert.Equal(["findme-closed", "findme-open"], admin.Projects.Order(StringComparer.Ordinal));
        Assert.Equal(["findme-closed/app", "findme-open/app", "team/findme"], admin.Repositories);

        var member = await SearchAsync(Member);
        Assert.Equal(["findme-open"], member.Projects);
        Assert.Equal(["findme-open/app", "team/findme"], member.Repositories);

        var outsider = await SearchAsync(Outsider);
        Assert.Equal(["findme-open"], outsider.Projects);
        Assert.Equal(["findme-open/app"], outsider.Repositories);

        var anonymous = await SearchAsync(null);
        Assert.Equal(["findme-open"], anonymous.Projects);
        Assert.Equal(["findme-open/app"], anonymous.Repositories);

        var team = await SearchAsync(Member, "team");
        Assert.Equal(["team"], team.Projects);
        Assert.Equal(["team/findme", "team/other"], team.Repositories);

        Assert.Empty((await SearchAsync(Member, "nothing-like-this")).Repositories);
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/search", HttpStatusCode.BadRequest, "BAD_REQUEST");
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/search?q=", HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task Statistics_count_for_each_caller_and_need_a_signed_in_one()
    {
        var admin = await JsonAsync(_server, "/api/v2.0/statistics");
        foreach (var field in (string[])["private_project_count", "private_repo_count", "public_project_count", "public_repo_count",
                     "total_project_count", "total_repo_count", "total_storage_consumption"])
        {
            Assert.Equal(JsonValueKind.Number, admin.GetProperty(field).ValueKind);
        }

        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var projects = db.Projects.ToList();
            Assert.Equal(projects.Count, admin.GetProperty("total_project_count").GetInt64());
            Assert.Equal(projects.Count(p => p.Public), admin.GetProperty("public_project_count").GetInt64());
            Assert.Equal(projects.Count(p => !p.Public), admin.GetProperty("private_project_count").GetInt64());
            Assert.Equal(db.Blobs.Sum(b => b.Size), admin.GetProperty("total_storage_consumption").GetInt64());
        }

        Assert.Equal(4, admin.GetProperty("total_repo_count").GetInt64());
        Assert.Equal(1, admin.GetProperty("public_repo_count").GetInt64());
        Assert.Equal(3, admin.GetProperty("private_repo_count").GetInt64());

        var member = await JsonAsync(_server, "/api/v2.0/statistics", Member);
        Assert.Equal(1, member.GetProperty("private_project_count").GetInt64());
        Assert.Equal(2, member.GetProperty("private_repo_count").GetInt64());
        Assert.Equal(admin.GetProperty("public_project_count").GetInt64(), member.GetProperty("public_project_count").GetInt64());
        Assert.Equal(1, member.GetProperty("public_repo_count").GetInt64());
        Assert.Equal(0, member.GetProperty("total_project_count").GetInt64());
        Assert.Equal(0, member.GetProperty("total_storage_consumption").GetInt64());

        var outsider = await JsonAsync(_server, "/api/v2.0/statistics", Outsider);
        Assert.Equal(0, outsider.GetProperty("private_project_count").GetInt64());
        Assert.Equal(0, outsider.GetProperty("private_repo_count").GetInt64());

        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/statistics", HttpStatusCode.Unauthorized, "UNAUTHORIZED", authorization: null);
    }
}
