using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Projects;

/// <summary>GET /api/v2.0/projects: Harbor's q=, sort=, named filters, with_detail and paging, through the real database.</summary>
/// <remarks>One server for the class: the tests only read the pq- projects; the one that adds projects names them nq-.</remarks>
public sealed class ProjectListTests(ProjectListTests.Projects fixture) : IClassFixture<ProjectListTests.Projects>
{
    private const string Nobody = "";
    private static readonly string Alice = TestCredentials.Basic("alice", "Passw0rdAlice");
    private static readonly string Bob = TestCredentials.Basic("bob", "Passw0rdBob");
    private static readonly string Admin = TestCredentials.AdminAuthorization;

    private BerthServer Server => fixture.Server;

    /// <summary>pq-alpha (alice, public), pq-beta (alice, private), pq-gamma (bob, public), created in that order.</summary>
    public sealed class Projects : IAsyncLifetime
    {
        private CountedBerthServer _counted = null!;

        public BerthServer Server => _counted.Server;

        public Dictionary<string, long> Ids { get; } = [];

        public SqlCommandCounter Commands => _counted.Commands;

        public async ValueTask InitializeAsync()
        {
            _counted = await CountedBerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });
            await TestCredentials.AddUserAsync(Server.DataDirectory, "alice", "Passw0rdAlice");
            await TestCredentials.AddUserAsync(Server.DataDirectory, "bob", "Passw0rdBob");
            foreach (var (name, owner, isPublic) in new[] { ("pq-alpha", Alice, true), ("pq-beta", Alice, false), ("pq-gamma", Bob, true) })
            {
                using var created = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", owner,
                    $$$"""{"project_name":"{{{name}}}","metadata":{"public":"{{{(isPublic ? "true" : "false")}}}"}}""");
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                Ids[name] = long.Parse(created.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        public ValueTask DisposeAsync() => _counted.DisposeAsync();
    }

    private async Task<(HttpResponseMessage Response, string[] Names)> ListAsync(string query, string? authorization = null)
    {
        var response = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/projects?" + query, authorization == Nobody ? null : authorization ?? Admin);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response, []);
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response, json.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray());
    }

    private async Task<string[]> NamesAsync(string query, string? authorization = null)
    {
        var (response, names) = await ListAsync(query, authorization);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(names.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Total-Count").Single());
        response.Dispose();
        return names;
    }

    [Fact]
    public async Task Q_filters_every_allowed_key_in_the_database()
    {
        var alpha = fixture.Ids["pq-alpha"];
        var gamma = fixture.Ids["pq-gamma"];
        Assert.Equal(["pq-alpha"], await NamesAsync("q=name%3Dpq-alpha"));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync("q=name%3D~PQ-"));
        Assert.Equal(["pq-alpha", "pq-gamma"], await NamesAsync("q=name%3D%7Bpq-gamma%20pq-alpha%20nothing%7D"));
        Assert.Equal(["pq-alpha", "pq-gamma"], await NamesAsync("q=public%3Dtrue,name%3D~pq-"));
        Assert.Equal(["pq-beta"], await NamesAsync("q=public%3Dfalse,name%3D~pq-"));
        Assert.Equal(["pq-gamma"], await NamesAsync("q=owner%3Dbob,name%3D~pq-"));
        Assert.Equal(["pq-alpha", "pq-beta"], await NamesAsync("q=owner%3D~ALI,name%3D~pq-"));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync($"q=project_id%3D%5B{alpha}~{gamma}%5D"));
        Assert.Equal(["pq-alpha", "pq-gamma"], await NamesAsync($"q=project_id%3D%7B{alpha} {gamma}%7D"));
        Assert.Equal(["pq-gamma"], await NamesAsync($"q=project_id%3D{gamma}"));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync("q=creation_time%3D%5B2020-01-01T00:00:00~%5D,name%3D~pq-"));
        Assert.Empty(await NamesAsync("q=creation_time%3D%5B~2020-01-01%2000:00:00%5D"));
    }

    [Fact]
    public async Task Named_filters_override_q_as_in_harbor()
    {
        Assert.Equal(["pq-gamma"], await NamesAsync("q=name%3Dpq-alpha&name=gam"));
        Assert.Equal(["pq-alpha", "pq-beta"], await NamesAsync("q=owner%3Dbob,name%3D~pq-&owner=alice"));
        Assert.Equal(["pq-beta"], await NamesAsync("q=public%3Dtrue,name%3D~pq-&public=false"));
    }

    [Fact]
    public async Task Sort_takes_allowed_keys_and_falls_back_to_the_name()
    {
        Assert.Equal(["pq-gamma", "pq-beta", "pq-alpha"], await NamesAsync("q=name%3D~pq-&sort=-name"));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync("q=name%3D~pq-&sort=creation_time,name"));
        Assert.Equal(["pq-gamma", "pq-beta", "pq-alpha"], await NamesAsync("q=name%3D~pq-&sort=-project_id"));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync("q=name%3D~pq-&sort=password,-nothing"));
    }

    [Fact]
    public async Task Keys_off_the_allow_list_are_ignored_as_harbor_ignores_them()
    {
        Assert.Equal(await NamesAsync("q=name%3D~pq-"), await NamesAsync("q=name%3D~pq-,deleted%3Dtrue,password%3D~x"));
    }

    [Theory]
    [InlineData("q=name")]
    [InlineData("q=name%3D")]
    [InlineData("q=%3Dpq")]
    [InlineData("q=name%3D~")]
    [InlineData("q=project_id%3D%5B1~2")]
    [InlineData("q=project_id%3Dabc")]
    [InlineData("q=project_id%3D~1")]
    [InlineData("q=name%3D%5Ba~b%5D")]
    [InlineData("q=public%3Dmaybe")]
    [InlineData("q=creation_time%3Dyesterday")]
    [InlineData("public=maybe")]
    [InlineData("with_detail=perhaps")]
    public async Task Malformed_queries_are_harbors_400(string query)
    {
        var (response, _) = await ListAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("BAD_REQUEST", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        response.Dispose();
    }

    [Fact]
    public async Task Filters_never_widen_what_the_caller_may_see()
    {
        Assert.Empty(await NamesAsync("q=name%3Dpq-beta", Bob));
        Assert.Empty(await NamesAsync("q=public%3Dfalse,name%3D~pq-", Bob));
        Assert.Empty(await NamesAsync("public=false&name=pq-", Nobody));
        Assert.Equal(["pq-alpha", "pq-gamma"], await NamesAsync("q=name%3D~pq-", Nobody));
        Assert.Equal(["pq-alpha", "pq-gamma"], await NamesAsync("q=name%3D~pq-", Bob));
        Assert.Equal(["pq-alpha", "pq-beta", "pq-gamma"], await NamesAsync("q=name%3D~pq-", Alice));
    }

    [Fact]
    public async Task Link_keeps_the_filters_and_following_it_pages_through_the_same_list()
    {
        var seen = new List<string>();
        var next = "/api/v2.0/projects?q=name%3D~pq-&sort=-name&page=1&page_size=1";
        while (next is not null)
        {
            using var response = await Server.SendAsync(HttpMethod.Get, next, Admin);
            Assert.Equal("3", response.Headers.GetValues("X-Total-Count").Single());
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            seen.AddRange(json.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
            var link = response.Headers.TryGetValues("Link", out var values) ? values.Single() : "";
            if (seen.Count > 1)
            {
                Assert.Contains("rel=\"prev\"", link, StringComparison.Ordinal);
            }

            next = link.Split(" , ").Where(l => l.EndsWith("rel=\"next\"", StringComparison.Ordinal))
                .Select(l => l[1..l.IndexOf('>', StringComparison.Ordinal)]).SingleOrDefault();
            Assert.True(seen.Count <= 3, "the links do not end");
        }

        Assert.Equal(["pq-gamma", "pq-beta", "pq-alpha"], seen);
    }

    [Fact]
    public async Task A_page_far_past_the_end_is_empty_not_the_first_page_again()
    {
        var (response, names) = await ListAsync("q=name%3D~pq-&page=2147483647&page_size=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(names);
        Assert.Equal("3", response.Headers.GetValues("X-Total-Count").Single());
        response.Dispose();
    }

    [Fact]
    public async Task With_detail_false_leaves_out_metadata_and_owner()
    {
        using var detailed = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/projects?name=pq-alpha", Admin);
        using var detailedJson = JsonDocument.Parse(await detailed.Content.ReadAsStringAsync());
        Assert.Equal("alice", detailedJson.RootElement[0].GetProperty("owner_name").GetString());
        Assert.Equal("true", detailedJson.RootElement[0].GetProperty("metadata").GetProperty("public").GetString());

        using var bare = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/projects?name=pq-alpha&with_detail=false", Admin);
        using var bareJson = JsonDocument.Parse(await bare.Content.ReadAsStringAsync());
        Assert.False(bareJson.RootElement[0].TryGetProperty("metadata", out _));
        Assert.False(bareJson.RootElement[0].TryGetProperty("owner_name", out _));
        Assert.Equal("pq-alpha", bareJson.RootElement[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_list_costs_the_same_queries_for_a_page_of_two_or_of_twenty()
    {
        for (var i = 0; i < 12; i++)
        {
            var name = $"nq-{i:D2}";
            using var created = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Admin, $$"""{"project_name":"{{name}}","metadata":{"public":"true"} }""");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await Server.Client.PushImageAsync($"{name}/app", TestImage.Create().WithLayer(10 + i).Build(), "v1");
        }

        var counter = fixture.Commands;
        async Task<(int Queries, JsonElement[] Projects)> ListAsAnonymousAsync(int pageSize)
        {
            counter.Reset();
            using var response = await Server.Anonymous.GetAsync($"/api/v2.0/projects?name=nq-&page_size={pageSize}");
            var body = await response.Content.ReadAsStringAsync();
            // SQLite's SQL quotes table names, PostgreSQL's leaves lower-case ones bare.
            var queries = counter.Commands.Count(c => System.Text.RegularExpressions.Regex.IsMatch(c, "\\b(projects|repositories|project_metadata)\\b"));
            return (queries, JsonDocument.Parse(body).RootElement.EnumerateArray().ToArray());
        }

        var small = await ListAsAnonymousAsync(2);
        var large = await ListAsAnonymousAsync(20);
        Assert.Equal(2, small.Projects.Length);
        Assert.Equal(12, large.Projects.Length);
        Assert.All(large.Projects, p => Assert.Equal(1, p.GetProperty("repo_count").GetInt32()));
        Assert.Equal(small.Queries, large.Queries);
        Assert.InRange(large.Queries, 1, 4); // count, page, repository counts, metadata
    }
}
