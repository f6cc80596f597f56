using System.Net;
using Berth.Data.Entities;
using Berth.Distribution.Manifests;
using Berth.Testing;
using Berth.Tests.Auth;
using Microsoft.Extensions.DependencyInjection;
using static Berth.Tests.Artifacts.ArtifactApi;

namespace Berth.Tests.Artifacts;

/// <summary><c>/api/v2.0/repositories</c> and <c>/projects/{p}/repositories</c>: Harbor's shapes, statuses, headers and filters.</summary>
public sealed class RepositoryApiTests : IAsyncLifetime
{
    private static readonly string Guest = TestCredentials.Basic("guest1", "guest1-password");
    private static readonly string Outsider = TestCredentials.Basic("outsider1", "outsider1-password");
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "guest1", "guest1-password", "team", ProjectRole.Guest);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "outsider1", "outsider1-password");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task PushAsync(string name, string tag = "v1")
    {
        var image = TestImage.Create().WithLayer(64).Build();
        await _server.Client.PushImageAsync(name, image, tag);
    }

    [Fact]
    public async Task A_project_lists_its_repositories_with_paging_headers_and_Harbor_fields()
    {
        await PushAsync("proj/alpha");
        await PushAsync("proj/beta");
        await PushAsync("proj/gamma/nested");
        await PushAsync("other/alpha");

        var (all, json) = await GetAsync(_server, "/api/v2.0/projects/proj/repositories");
        Assert.Equal(3, TotalCount(all));
        Assert.Null(Link(all));
        // Newest first, as Harbor's default order (creation_time descending).
        Assert.Equal(["proj/gamma/nested", "proj/beta", "proj/alpha"], Names(json));
        foreach (var repository in json.EnumerateArray())
        {
            AssertRepository(repository);
            Assert.Equal(1, repository.GetProperty("artifact_count").GetInt64());
            Assert.Equal("", repository.GetProperty("description").GetString());
        }

        var projectId = (await JsonAsync(_server, "/api/v2.0/projects/proj")).GetProperty("project_id").GetInt64();
        Assert.All(json.EnumerateArray(), r => Assert.Equal(projectId, r.GetProperty("project_id").GetInt64()));
        all.Dispose();

        var (first, firstJson) = await GetAsync(_server, "/api/v2.0/projects/proj/repositories?page=1&page_size=2&sort=name");
        Assert.Equal(3, TotalCount(first));
        Assert.Equal(["proj/alpha", "proj/beta"], Names(firstJson));
        AssertLinks(first, "/api/v2.0/projects/proj/repositories", 2, ("next", 2));
        first.Dispose();

        var (second, secondJson) = await GetAsync(_server, "/api/v2.0/projects/proj/repositories?page=2&page_size=2&sort=name");
        Assert.Equal(["proj/gamma/nested"], Names(secondJson));
        AssertLinks(second, "/api/v2.0/projects/proj/repositories", 2, ("prev", 1));
        second.Dispose();

        var (middle, middleJson) = await GetAsync(_server, "/api/v2.0/projects/proj/repositories?page=2&page_size=1&sort=name");
        Assert.Equal(["proj/beta"], Names(middleJson));
        AssertLinks(middle, "/api/v2.0/projects/proj/repositories", 1, ("prev", 1), ("next", 3));
        middle.Dispose();

        Assert.Equal(["proj/gamma/nested", "proj/beta", "proj/alpha"], Names(await JsonAsync(_server, "/api/v2.0/projects/proj/repositories?sort=-name")));
        Assert.Equal(["proj/alpha"], Names(await JsonAsync(_server, "/api/v2.0/projects/proj/repositories?q=name%3Dproj/alpha")));
        Assert.Equal(["proj/alpha", "proj/beta"], Names(await JsonAsync(_server, "/api/v2.0/projects/proj/repositories?q=name%3D~a&sort=name")).Take(2));
        Assert.Equal(["proj/gamma/nested"], Names(await JsonAsync(_server, "/api/v2.0/projects/proj/repositories?q=name%3D~nest")));
        Assert.Empty(Names(await JsonAsync(_server, "/api/v2.0/projects/proj/repositories?q=name%3D~zzz")));
    }

    [Fact]
    public async Task A_name_with_slashes_works_encoded_once_and_twice()
    {
        await PushAsync("proj/deep/er/repo");
        foreach (var encoded in (string[])["deep%2Fer%2Frepo", "deep%252Fer%252Frepo"])
        {
            var repository = await JsonAsync(_server, $"/api/v2.0/projects/proj/repositories/{encoded}");
            AssertRepository(repository);
            Assert.Equal("proj/deep/er/repo", repository.GetProperty("name").GetString());
            var artifacts = await JsonAsync(_server, $"/api/v2.0/projects/proj/repositories/{encoded}/artifacts");
            Assert.Equal("proj/deep/er/repo", Assert.Single(artifacts.EnumerateArray()).GetProperty("repository_name").GetString());
        }

        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/projects/proj/repositories/deep%2Fnothing", HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/projects/proj/repositories/Bad%2FName", HttpStatusCode.BadRequest, "BAD_REQUEST");
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/projects/proj/repositories/a%252F%252Fb", HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task Put_sets_the_description_escaped_as_Harbor_stores_it()
    {
        await PushAsync("proj/described");
        await ExpectAsync(_server, HttpMethod.Put, RepositoryUrl("proj/described"), HttpStatusCode.OK,
            """{"description":"<b>fast</b> & \"safe\"","name":"ignored","id":999}""");
        var repository = await JsonAsync(_server, RepositoryUrl("proj/described"));
        Assert.Equal("&lt;b&gt;fast&lt;/b&gt; &amp; &#34;safe&#34;", repository.GetProperty("description").GetString());
        Assert.Equal("proj/described", repository.GetProperty("name").GetString());

        await ExpectAsync(_server, HttpMethod.Put, RepositoryUrl("proj/described"), HttpStatusCode.OK, "{}");
        Assert.Equal("", (await JsonAsync(_server, RepositoryUrl("proj/described"))).GetProperty("description").GetString());

        await ErrorAsync(_server, HttpMethod.Put, RepositoryUrl("proj/described"), HttpStatusCode.BadRequest, "BAD_REQUEST", "{not json");
        await ErrorAsync(_server, HttpMethod.Put, RepositoryUrl("proj/none"), HttpStatusCode.NotFound, "NOT_FOUND", "{}");
    }

    [Fact]
    public async Task Delete_removes_artifacts_and_tags_and_a_new_push_starts_afresh()
    {
        var image = TestImage.Create().WithLayer(64).Build();
        await _server.Client.PushImageAsync("proj/doomed", image, "v1");
        (await _server.Client.PushManifestAsync("proj/doomed", "v2", image.Manifest)).Dispose();
        await ExpectAsync(_server, HttpMethod.Put, RepositoryUrl("proj/doomed"), HttpStatusCode.OK, """{"description":"old"}""");

        await ExpectAsync(_server, HttpMethod.Delete, RepositoryUrl("proj/doomed"), HttpStatusCode.OK);
        await ErrorAsync(_server, HttpMethod.Get, RepositoryUrl("proj/doomed"), HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Delete, RepositoryUrl("proj/doomed"), HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Empty((await JsonAsync(_server, ArtifactsUrl("proj/doomed"))).EnumerateArray());
        using (var manifest = await _server.Client.GetAsync($"/v2/proj/doomed/manifests/{image.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, manifest.StatusCode);
        }

        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            Assert.False(db.Tags.Any(t => t.Name == "v1" && t.Artifact!.Repository!.Name == "proj/doomed"));
            // The blobs stay until GC, as in Harbor.
            Assert.True(db.Blobs.Any(b => b.Digest == image.Layers[0].Digest));
        }

        await _server.Client.PushImageAsync("proj/doomed", image, "v3");
        var again = await JsonAsync(_server, RepositoryUrl("proj/doomed"));
        Assert.Equal("", again.GetProperty("description").GetString());
        Assert.Equal(1, again.GetProperty("artifact_count").GetInt64());
    }

    [Fact]
    public async Task Pull_count_counts_manifest_gets_and_artifact_count_only_listed_artifacts()
    {
        var a = TestImage.Create().WithLayer(10).Build();
        var b = TestImage.Create().WithLayer(10).Build();
        await PushByDigestAsync(_server, "proj/counted", a);
        await PushByDigestAsync(_server, "proj/counted", b);
        await PushIndexAsync(_server, "proj/counted", "multi", System.Text.Encoding.UTF8.GetString(TestImage.Index(TestImage.OciIndex, a.Manifest, b.Manifest).Content));
        var signature = TestImage.Create().WithLayer(5).Referring(a.Manifest, CosignSignatureType).Build();
        await PushByDigestAsync(_server, "proj/counted", signature);

        for (var i = 0; i < 2; i++)
        {
            using var get = await _server.Client.GetAsync("/v2/proj/counted/manifests/multi");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        using (var head = new HttpRequestMessage(HttpMethod.Head, "/v2/proj/counted/manifests/multi"))
        using (var response = await _server.Client.SendAsync(head))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await FlushPullsUntilAsync(_server, async () => (await JsonAsync(_server, RepositoryUrl("proj/counted"))).GetProperty("pull_count").GetInt64() >= 2);
        await _server.Services.GetRequiredService<PullRecorderFlusher>().FlushAsync(CancellationToken.None);
        var repository = await JsonAsync(_server, RepositoryUrl("proj/counted"));
        // Two GETs; the HEAD is not a pull.
        Assert.Equal(2, repository.GetProperty("pull_count").GetInt64());
        // The index alone: its children show under it, the signature under its subject.
        Assert.Equal(1, repository.GetProperty("artifact_count").GetInt64());
        Assert.Equal(repository.GetProperty("pull_count").GetInt64(),
            (await JsonAsync(_server, "/api/v2.0/repositories?q=name%3Dproj/counted"))[0].GetProperty("pull_count").GetInt64());
    }

    [Fact]
    public async Task All_repositories_are_those_the_caller_may_see()
    {
        await PushAsync("team/visible");
        await PushAsync("private/hidden");
        await PushAsync("library/open");

        var admin = Names(await JsonAsync(_server, "/api/v2.0/repositories?page_size=100"));
        Assert.Contains("team/visible", admin);
        Assert.Contains("private/hidden", admin);
        Assert.Contains("library/open", admin);

        var guest = Names(await JsonAsync(_server, "/api/v2.0/repositories?page_size=100", Guest));
        Assert.Contains("team/visible", guest);
        Assert.Contains("library/open", guest);
        Assert.DoesNotContain("private/hidden", guest);

        using (var anonymous = await _server.Anonymous.GetAsync("/api/v2.0/repositories?page_size=100"))
        {
            Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
            var names = Names(System.Text.Json.JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement);
            Assert.Contains("library/open", names);
            Assert.All(names, n => Assert.StartsWith("library/", n, StringComparison.Ordinal));
            Assert.Equal(names.Count, TotalCount(anonymous));
        }

        var teamId = (await JsonAsync(_server, "/api/v2.0/projects/team")).GetProperty("project_id").GetInt64();
        Assert.Equal(["team/visible"], Names(await JsonAsync(_server, $"/api/v2.0/repositories?q=project_id%3D{teamId}", Guest)));
        Assert.Empty(Names(await JsonAsync(_server, "/api/v2.0/repositories?q=name%3D~hidden", Outsider)));
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/repositories?q=owner%3Dx", HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task Underscores_in_a_project_name_do_not_match_other_projects()
    {
        await AuthTestData.AddProjectAsync(_server, "u_s", isPublic: false);
        await AuthTestData.AddProjectAsync(_server, "uxs", isPublic: false);
        await PushAsync("u_s/mine");
        await PushAsync("uxs/theirs");
        Assert.Equal(["u_s/mine"], Names(await JsonAsync(_server, "/api/v2.0/projects/u_s/repositories")));
        Assert.Equal(["uxs/theirs"], Names(await JsonAsync(_server, "/api/v2.0/projects/uxs/repositories")));
    }

    [Fact]
    public async Task Unknown_and_forbidden_projects_get_the_same_answer_except_for_administrators()
    {
        await PushAsync("private/secret");
        foreach (var project in (string[])["private", "nosuchproject"])
        {
            await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/projects/{project}/repositories", HttpStatusCode.Unauthorized, "UNAUTHORIZED", authorization: null);
            await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/projects/{project}/repositories", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
            await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/projects/{project}/repositories/secret", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
        }

        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/projects/nosuchproject/repositories", HttpStatusCode.NotFound, "NOT_FOUND");
        await ExpectAsync(_server, HttpMethod.Get, "/api/v2.0/projects/private/repositories", HttpStatusCode.OK);
        // A guest reads but may not change or delete.
        await PushAsync("team/guarded");
        await ExpectAsync(_server, HttpMethod.Get, RepositoryUrl("team/guarded"), HttpStatusCode.OK, authorization: Guest);
        await ErrorAsync(_server, HttpMethod.Put, RepositoryUrl("team/guarded"), HttpStatusCode.Forbidden, "FORBIDDEN", "{}", Guest);
        await ErrorAsync(_server, HttpMethod.Delete, RepositoryUrl("team/guarded"), HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Guest);
    }

    [Theory]
    [InlineData("q=name")]
    [InlineData("q=%3Dx")]
    [InlineData("q=name%3D")]
    [InlineData("q=name%3D[a~b~c]")]
    [InlineData("q=name%3D[a~b]")]
    [InlineData("q=project_id%3D~1")]
    [InlineData("q=project_id%3Dabc")]
    [InlineData("q=description%3Dx")]
    [InlineData("sort=description")]
    [InlineData("sort=name,")]
    [InlineData("page=0")]
    [InlineData("page=-1")]
    [InlineData("page_size=abc")]
    public async Task Bad_list_parameters_are_Harbor_400s(string parameters) =>
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/projects/proj/repositories?" + parameters, HttpStatusCode.BadRequest, "BAD_REQUEST");
}
