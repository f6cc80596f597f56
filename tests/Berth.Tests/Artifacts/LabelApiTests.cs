using System.Globalization;
using System.Net;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using static Berth.Tests.Artifacts.ArtifactApi;

namespace Berth.Tests.Artifacts;

/// <summary><c>/api/v2.0/labels</c> and attaching labels to artifacts: scopes, who may, Harbor's statuses and shapes.</summary>
public sealed class LabelApiTests : IAsyncLifetime
{
    private static readonly string Owner = TestCredentials.Basic("owner5", "owner5-password");
    private static readonly string Guest = TestCredentials.Basic("guest5", "guest5-password");
    private static readonly string Developer = TestCredentials.Basic("developer5", "developer5-password");
    private static readonly string Outsider = TestCredentials.Basic("outsider5", "outsider5-password");
    private BerthServer _server = null!;
    private long _team;
    private long _other;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "owner5", "owner5-password", "team", ProjectRole.ProjectAdmin);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "guest5", "guest5-password", "team", ProjectRole.Guest);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "developer5", "developer5-password", "team", ProjectRole.Developer);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "outsider5", "outsider5-password");
        _team = (await JsonAsync(_server, "/api/v2.0/projects/team")).GetProperty("project_id").GetInt64();
        _other = (await JsonAsync(_server, "/api/v2.0/projects/other")).GetProperty("project_id").GetInt64();
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<long> CreateAsync(string body, string? authorization = Admin)
    {
        using var response = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/labels", authorization == Admin ? TestCredentials.AdminAuthorization : authorization, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/labels/[0-9]+$", location);
        return long.Parse(location[(location.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
    }

    private static void AssertLabel(JsonElement label)
    {
        foreach (var field in (string[])["id", "project_id"])
        {
            Assert.Equal(JsonValueKind.Number, label.GetProperty(field).ValueKind);
        }

        foreach (var field in (string[])["name", "description", "color", "scope", "creation_time", "update_time"])
        {
            Assert.Equal(JsonValueKind.String, label.GetProperty(field).ValueKind);
        }
    }

    [Fact]
    public async Task Global_labels_are_managed_by_administrators_and_listed_to_anyone()
    {
        var id = await CreateAsync("""{"name":"release","description":"shipped","color":"#0065AB","scope":"g","project_id":12345,"id":7}""");
        var label = await JsonAsync(_server, $"/api/v2.0/labels/{id}");
        AssertLabel(label);
        Assert.Equal(("release", "shipped", "#0065AB", "g", 0L), (label.GetProperty("name").GetString(), label.GetProperty("description").GetString(),
            label.GetProperty("color").GetString(), label.GetProperty("scope").GetString(), label.GetProperty("project_id").GetInt64()));

        await CreateAsync("""{"name":"qa","scope":"g"}""");
        using (var anonymous = await _server.Anonymous.GetAsync("/api/v2.0/labels?scope=g&page_size=1"))
        {
            Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
            Assert.Equal(2, TotalCount(anonymous));
            AssertLinks(anonymous, "/api/v2.0/labels", 1, ("next", 2));
            var first = Assert.Single(JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
            AssertLabel(first);
            Assert.Equal("release", first.GetProperty("name").GetString());
        }

        Assert.Equal(["qa"], Names(await JsonAsync(_server, "/api/v2.0/labels?scope=g&name=q", Outsider)));
        Assert.Equal(["qa", "release"], Names(await JsonAsync(_server, "/api/v2.0/labels?scope=g&sort=name")));

        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Conflict, "CONFLICT", """{"name":"release","scope":"g"}""");
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Forbidden, "FORBIDDEN", """{"name":"mine","scope":"g"}""", Owner);
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Unauthorized, "UNAUTHORIZED", """{"name":"mine","scope":"g"}""", null);
        await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/labels/{id}", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Owner);

        await ExpectAsync(_server, HttpMethod.Put, $"/api/v2.0/labels/{id}", HttpStatusCode.OK, """{"name":"released","color":"#FF0000","scope":"p"}""");
        var updated = await JsonAsync(_server, $"/api/v2.0/labels/{id}");
        Assert.Equal(("released", "#FF0000", "", "g"), (updated.GetProperty("name").GetString(), updated.GetProperty("color").GetString(),
            updated.GetProperty("description").GetString(), updated.GetProperty("scope").GetString()));
        await ErrorAsync(_server, HttpMethod.Put, $"/api/v2.0/labels/{id}", HttpStatusCode.Conflict, "CONFLICT", """{"name":"qa"}""");
        await ErrorAsync(_server, HttpMethod.Put, $"/api/v2.0/labels/{id}", HttpStatusCode.Forbidden, "FORBIDDEN", """{"name":"x"}""", Owner);

        await ExpectAsync(_server, HttpMethod.Delete, $"/api/v2.0/labels/{id}", HttpStatusCode.OK);
        await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/labels/{id}", HttpStatusCode.NotFound, "NOT_FOUND");
        // An unknown label is refused to others as a forbidden one is.
        await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/labels/{id}", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Owner);
        await ErrorAsync(_server, HttpMethod.Delete, $"/api/v2.0/labels/{id}", HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Project_labels_belong_to_their_project()
    {
        var id = await CreateAsync($$"""{"name":"team-only","scope":"p","project_id":{{_team}}}""", Owner);
        var label = await JsonAsync(_server, $"/api/v2.0/labels/{id}", Guest);
        AssertLabel(label);
        Assert.Equal(("p", _team), (label.GetProperty("scope").GetString(), label.GetProperty("project_id").GetInt64()));
        Assert.Equal(["team-only"], Names(await JsonAsync(_server, $"/api/v2.0/labels?scope=p&project_id={_team}", Guest)));
        Assert.DoesNotContain("team-only", Names(await JsonAsync(_server, "/api/v2.0/labels?scope=g")));

        // The same name is free in another project and among global labels, not twice in one project.
        await CreateAsync($$"""{"name":"team-only","scope":"p","project_id":{{_other}}}""");
        await CreateAsync("""{"name":"team-only","scope":"g"}""");
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Conflict, "CONFLICT",
            $$"""{"name":"team-only","scope":"p","project_id":{{_team}}}""", Owner);

        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Forbidden, "FORBIDDEN",
            $$"""{"name":"guest","scope":"p","project_id":{{_team}}}""", Guest);
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.Forbidden, "FORBIDDEN",
            $$"""{"name":"mine","scope":"p","project_id":{{_other}}}""", Owner);
        await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/labels/{id}", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
        await ErrorAsync(_server, HttpMethod.Get, $"/api/v2.0/labels?scope=p&project_id={_team}", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Outsider);
        await ErrorAsync(_server, HttpMethod.Put, $"/api/v2.0/labels/{id}", HttpStatusCode.Forbidden, "FORBIDDEN", """{"name":"x"}""", Guest);
        await ExpectAsync(_server, HttpMethod.Put, $"/api/v2.0/labels/{id}", HttpStatusCode.OK, """{"name":"team-renamed"}""", Owner);
        await ExpectAsync(_server, HttpMethod.Delete, $"/api/v2.0/labels/{id}", HttpStatusCode.OK, authorization: Owner);
    }

    [Theory]
    [InlineData("""{"name":"","scope":"g"}""")]
    [InlineData("""{"scope":"g"}""")]
    [InlineData("""{"name":"x"}""")]
    [InlineData("""{"name":"x","scope":"z"}""")]
    [InlineData("""{"name":"x","scope":"p"}""")]
    [InlineData("""{"name":"x","scope":"p","project_id":-3}""")]
    [InlineData("""{"name":"x","scope":"g","color":"#0123456789012345678901234567890123"}""")]
    [InlineData("""{"name":"x","scope":"g","project_id":"one"}""")]
    [InlineData("not json")]
    public async Task Invalid_labels_are_400s(string body)
    {
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.BadRequest, "BAD_REQUEST", body);
        await ErrorAsync(_server, HttpMethod.Post, "/api/v2.0/labels", HttpStatusCode.BadRequest, "BAD_REQUEST",
            "{\"name\":\"" + new string('n', 129) + "\",\"scope\":\"g\"}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?scope=x")]
    [InlineData("?scope=p")]
    [InlineData("?scope=p&project_id=abc")]
    [InlineData("?scope=g&q=color%3Dred")]
    [InlineData("?scope=g&sort=color")]
    public async Task Invalid_label_lists_are_400s(string query) =>
        await ErrorAsync(_server, HttpMethod.Get, "/api/v2.0/labels" + query, HttpStatusCode.BadRequest, "BAD_REQUEST");

    [Fact]
    public async Task Labels_attach_to_artifacts_show_with_them_and_filter_them()
    {
        var labelled = TestImage.Create().WithLayer(33).Build();
        var plain = TestImage.Create().WithLayer(34).Build();
        await _server.Client.PushImageAsync("team/labelled", labelled, "v1");
        await _server.Client.PushImageAsync("team/labelled", plain, "v2");
        var global = await CreateAsync("""{"name":"approved","scope":"g"}""");
        var local = await CreateAsync($$"""{"name":"team-tested","scope":"p","project_id":{{_team}}}""", Owner);
        var foreign = await CreateAsync($$"""{"name":"elsewhere","scope":"p","project_id":{{_other}}}""");
        var labels = ArtifactsUrl("team/labelled") + "/v1/labels";

        await ExpectAsync(_server, HttpMethod.Post, labels, HttpStatusCode.OK, $$"""{"id":{{global}}}""", Developer);
        await ExpectAsync(_server, HttpMethod.Post, labels, HttpStatusCode.OK, $$"""{"id":{{local}},"name":"ignored"}""", Developer);
        await ExpectAsync(_server, HttpMethod.Post, ArtifactsUrl("team/labelled") + "/v2/labels", HttpStatusCode.OK, $$"""{"id":{{global}}}""");
        await ErrorAsync(_server, HttpMethod.Post, labels, HttpStatusCode.Conflict, "CONFLICT", $$"""{"id":{{global}}}""");
        await ErrorAsync(_server, HttpMethod.Post, labels, HttpStatusCode.NotFound, "NOT_FOUND", $$"""{"id":{{foreign}}}""");
        await ErrorAsync(_server, HttpMethod.Post, labels, HttpStatusCode.NotFound, "NOT_FOUND", """{"id":999999}""");
        await ErrorAsync(_server, HttpMethod.Post, labels, HttpStatusCode.Forbidden, "FORBIDDEN", $$"""{"id":{{global}}}""", Guest);
        await ErrorAsync(_server, HttpMethod.Post, ArtifactsUrl("team/labelled") + "/nope/labels", HttpStatusCode.NotFound, "NOT_FOUND",
            $$"""{"id":{{global}}}""");

        var artifact = await JsonAsync(_server, ArtifactsUrl("team/labelled") + "/v1?with_label=true", Guest);
        AssertArtifact(artifact);
        var attached = artifact.GetProperty("labels").EnumerateArray().ToList();
        attached.ForEach(AssertLabel);
        Assert.Equal(["approved", "team-tested"], attached.Select(l => l.GetProperty("name").GetString()));

        async Task<List<string>> TaggedAsync(string query) =>
            (await JsonAsync(_server, ArtifactsUrl("team/labelled") + "?" + query)).EnumerateArray()
                .Select(a => a.GetProperty("tags")[0].GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["v1", "v2"], await TaggedAsync($"q=labels%3D({global})"));
        Assert.Equal(["v1"], await TaggedAsync($"q=labels%3D({global} {local})"));
        Assert.Empty(await TaggedAsync($"q=labels%3D({foreign})"));

        await ExpectAsync(_server, HttpMethod.Delete, $"{labels}/{local}", HttpStatusCode.OK, authorization: Developer);
        await ErrorAsync(_server, HttpMethod.Delete, $"{labels}/{local}", HttpStatusCode.NotFound, "NOT_FOUND");
        await ErrorAsync(_server, HttpMethod.Delete, $"{labels}/{global}", HttpStatusCode.Forbidden, "FORBIDDEN", authorization: Guest);
        Assert.Empty(await TaggedAsync($"q=labels%3D({local})"));

        // A deleted label leaves every artifact; a deleted artifact leaves every label.
        await ExpectAsync(_server, HttpMethod.Delete, $"/api/v2.0/labels/{global}", HttpStatusCode.OK);
        Assert.Empty((await JsonAsync(_server, ArtifactsUrl("team/labelled") + "/v2?with_label=true")).GetProperty("labels").EnumerateArray());
        await ExpectAsync(_server, HttpMethod.Post, labels, HttpStatusCode.OK, $$"""{"id":{{local}}}""");
        await ExpectAsync(_server, HttpMethod.Delete, ArtifactsUrl("team/labelled") + "/v1", HttpStatusCode.OK);
        await using var db = DataDirectory.Open(_server.DataDirectory);
        Assert.False(db.LabelReferences.Any(r => r.LabelId == local));
    }
}
