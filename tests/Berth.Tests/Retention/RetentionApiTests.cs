using System.Net;
using System.Text.Json.Nodes;
using Berth.Data.Entities;
using Berth.Retention;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.Tests.Retention;

/// <summary>/api/v2.0/retentions: Harbor's policy API, its checks, its link to the project and who may use it.</summary>
public sealed class RetentionApiTests : IAsyncLifetime
{
    private const string Password = "Passw0rd!";
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        foreach (var role in Enum.GetValues<ProjectRole>())
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, "team-" + role.ToString().ToLowerInvariant(), Password, "team", role);
        }

        await TestCredentials.AddUserAsync(_server.DataDirectory, "stranger", Password);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string As(string user) => TestCredentials.Basic(user, Password);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? authorization = null) =>
        _server.SendAsync(method, path, authorization ?? TestCredentials.AdminAuthorization, body?.ToJsonString());

    [Fact]
    public async Task Metadatas_lists_harbors_templates_and_selectors_to_anyone_signed_in()
    {
        var metadata = await RetentionApi.GetJsonAsync(_server, "/api/v2.0/retentions/metadatas", As("stranger"));
        var templates = metadata.GetProperty("templates").EnumerateArray().ToList();
        Assert.Equal(RetentionTemplates.Advertised, templates.Select(t => t.GetProperty("rule_template").GetString()!));
        Assert.All(templates, t => Assert.Equal("retain", t.GetProperty("action").GetString()));
        Assert.All(templates, t => Assert.False(string.IsNullOrEmpty(t.GetProperty("display_text").GetString())));
        var pushed = templates.Single(t => t.GetProperty("rule_template").GetString() == "latestPushedK").GetProperty("params").EnumerateArray().Single();
        Assert.Equal("int", pushed.GetProperty("type").GetString());
        Assert.Equal("COUNT", pushed.GetProperty("unit").GetString());
        Assert.True(pushed.GetProperty("required").GetBoolean());
        Assert.Equal("DAYS", templates.Single(t => t.GetProperty("rule_template").GetString() == "nDaysSinceLastPull")
            .GetProperty("params")[0].GetProperty("unit").GetString());
        Assert.Empty(templates.Single(t => t.GetProperty("rule_template").GetString() == "always").GetProperty("params").EnumerateArray());

        var scope = Assert.Single(metadata.GetProperty("scope_selectors").EnumerateArray());
        Assert.Equal("doublestar", scope.GetProperty("kind").GetString());
        Assert.Equal(["repoMatches", "repoExcludes"], scope.GetProperty("decorations").EnumerateArray().Select(d => d.GetString()));
        var tags = Assert.Single(metadata.GetProperty("tag_selectors").EnumerateArray());
        Assert.Equal(["matches", "excludes"], tags.GetProperty("decorations").EnumerateArray().Select(d => d.GetString()));

        using var anonymous = await _server.Anonymous.GetAsync("/api/v2.0/retentions/metadatas");
        await RetentionApi.AssertErrorAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_policy_is_created_read_updated_and_deleted_and_the_project_links_to_it()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "a");
        var id = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId, "0 0 0 * * *",
            RetentionApi.Rule("latestPushedK", 3, repositories: "app*", tags: "v*", untagged: false)));

        var policy = await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{id}");
        Assert.Equal(id, policy.GetProperty("id").GetInt64());
        Assert.Equal("or", policy.GetProperty("algorithm").GetString());
        var rule = Assert.Single(policy.GetProperty("rules").EnumerateArray());
        Assert.Equal("latestPushedK", rule.GetProperty("template").GetString());
        Assert.Equal(3, rule.GetProperty("params").GetProperty("latestPushedK").GetInt32());
        Assert.False(rule.GetProperty("disabled").GetBoolean());
        Assert.Equal("retain", rule.GetProperty("action").GetString());
        var tagSelector = rule.GetProperty("tag_selectors")[0];
        Assert.Equal("matches", tagSelector.GetProperty("decoration").GetString());
        Assert.Equal("v*", tagSelector.GetProperty("pattern").GetString());
        Assert.Equal("{\"untagged\":false}", tagSelector.GetProperty("extras").GetString());
        var repositorySelector = rule.GetProperty("scope_selectors").GetProperty("repository")[0];
        Assert.Equal("repoMatches", repositorySelector.GetProperty("decoration").GetString());
        Assert.Equal("app*", repositorySelector.GetProperty("pattern").GetString());
        Assert.Equal("Schedule", policy.GetProperty("trigger").GetProperty("kind").GetString());
        var settings = policy.GetProperty("trigger").GetProperty("settings");
        Assert.Equal("0 0 0 * * *", settings.GetProperty("cron").GetString());
        var next = DateTime.Parse(settings.GetProperty("next_scheduled_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
        Assert.True(next > DateTime.UtcNow && next <= DateTime.UtcNow.AddDays(1));
        Assert.Equal("project", policy.GetProperty("scope").GetProperty("level").GetString());
        Assert.Equal(projectId, policy.GetProperty("scope").GetProperty("ref").GetInt64());

        // As in Harbor, the project's metadata names the policy, and a project has one policy at most.
        var project = await RetentionApi.GetJsonAsync(_server, "/api/v2.0/projects/a");
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), project.GetProperty("metadata").GetProperty("retention_id").GetString());
        using (var second = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(projectId)))
        {
            Assert.Contains($"already has retention policy {id}", await RetentionApi.AssertErrorAsync(second, HttpStatusCode.BadRequest),
                StringComparison.Ordinal);
        }

        // PUT replaces the rules and the trigger; without a cron there is no schedule.
        var update = RetentionApi.Policy(projectId, "", RetentionApi.Rule("always", null), RetentionApi.Rule("nDaysSinceLastPull", 7));
        using (var put = await SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", update))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        policy = await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{id}");
        Assert.Equal(["always", "nDaysSinceLastPull"], policy.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("template").GetString()));
        Assert.Equal("", policy.GetProperty("trigger").GetProperty("settings").GetProperty("cron").GetString());
        Assert.False(policy.GetProperty("trigger").GetProperty("settings").TryGetProperty("next_scheduled_time", out _));

        // The link is the retention API's: PUT /projects may send it back unchanged, not change it.
        using (var same = await SendAsync(HttpMethod.Put, "/api/v2.0/projects/a", new JsonObject { ["metadata"] = new JsonObject { ["retention_id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) } }))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        }

        using (var changed = await SendAsync(HttpMethod.Put, "/api/v2.0/projects/a", new JsonObject { ["metadata"] = new JsonObject { ["retention_id"] = "999" } }))
        {
            await RetentionApi.AssertErrorAsync(changed, HttpStatusCode.BadRequest);
        }

        using (var delete = await SendAsync(HttpMethod.Delete, $"/api/v2.0/retentions/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        using (var gone = await SendAsync(HttpMethod.Get, $"/api/v2.0/retentions/{id}"))
        {
            await RetentionApi.AssertErrorAsync(gone, HttpStatusCode.NotFound);
        }

        project = await RetentionApi.GetJsonAsync(_server, "/api/v2.0/projects/a");
        Assert.False(project.GetProperty("metadata").TryGetProperty("retention_id", out _));
        // Unlinked, the project takes a new policy.
        Assert.NotEqual(id, await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId)));
    }

    [Fact]
    public async Task A_new_project_cannot_bring_its_own_retention_id()
    {
        var body = new JsonObject { ["project_name"] = "linked", ["metadata"] = new JsonObject { ["retention_id"] = "5" } };
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", body);
        Assert.Contains("retention_id", await RetentionApi.AssertErrorAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_schedule_follows_the_policys_cron_and_goes_with_the_policy()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "b");
        var id = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId, "0 30 2 * * *"));
        var name = RetentionPolicyStore.ScheduleName(id);
        Schedule? schedule;
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            schedule = await db.Schedules.AsNoTracking().SingleAsync(s => s.Name == name, TestContext.Current.CancellationToken);
        }

        Assert.Equal("0 30 2 * * *", schedule.Cron);
        Assert.Equal(RetentionJobHandler.VendorType, schedule.VendorType);
        Assert.Equal(id, schedule.VendorId);

        using (var put = await SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", RetentionApi.Policy(projectId, "0 0 * * * *")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            Assert.Equal("0 0 * * * *", (await db.Schedules.AsNoTracking().SingleAsync(s => s.Name == name, TestContext.Current.CancellationToken)).Cron);
        }

        (await SendAsync(HttpMethod.Delete, $"/api/v2.0/retentions/{id}")).Dispose();
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            Assert.False(await db.Schedules.AnyAsync(s => s.Name == name, TestContext.Current.CancellationToken));
        }
    }

    public static TheoryData<string, string> BadPolicies => new()
    {
        { "bad JSON", """{"algorithm":"or","rules":[""" },
        { "not an object", "[]" },
        { "unknown template", Replace(r => r["template"] = "newestFirst") },
        { "missing parameter", Replace(r => r["params"] = new JsonObject()) },
        { "parameter not a number", Replace(r => r["params"] = new JsonObject { ["latestPushedK"] = "ten" }) },
        { "negative parameter", Replace(r => r["params"] = new JsonObject { ["latestPushedK"] = -1 }) },
        { "count too large", Replace(r => r["params"] = new JsonObject { ["latestPushedK"] = 40000 }) },
        { "action", Replace(r => r["action"] = "delete") },
        { "tag decoration", Replace(r => r["tag_selectors"]![0]!["decoration"] = "repoMatches") },
        { "selector kind", Replace(r => r["tag_selectors"]![0]!["kind"] = "regexp") },
        { "malformed tag pattern", Replace(r => r["tag_selectors"]![0]!["pattern"] = "v[1-") },
        { "empty repository pattern", Replace(r => r["scope_selectors"]!["repository"]![0]!["pattern"] = "") },
        { "repository decoration", Replace(r => r["scope_selectors"]!["repository"]![0]!["decoration"] = "matches") },
        { "project selectors", Replace(r => r["scope_selectors"]!["project"] = new JsonArray()) },
        { "extras not JSON", Replace(r => r["tag_selectors"]![0]!["extras"] = "untagged") },
        { "untagged not a boolean", Replace(r => r["tag_selectors"]![0]!["extras"] = "{\"untagged\":\"yes\"}") },
        { "five-field cron", Policy(p => p["trigger"]!["settings"]!["cron"] = "0 0 * * *") },
        { "cron with seconds", Policy(p => p["trigger"]!["settings"]!["cron"] = "*/5 * * * * *") },
        { "cron nonsense", Policy(p => p["trigger"]!["settings"]!["cron"] = "daily") },
        { "cron not a string", Policy(p => p["trigger"]!["settings"]!["cron"] = 5) },
        { "trigger kind", Policy(p => p["trigger"]!["kind"] = "Event") },
        { "no trigger", Policy(p => p.Remove("trigger")) },
        { "algorithm", Policy(p => p["algorithm"] = "and") },
        { "scope level", Policy(p => p["scope"]!["level"] = "system") },
        { "no scope", Policy(p => p.Remove("scope")) },
        { "project id zero", Policy(p => p["scope"]!["ref"] = 0) },
        { "project id a string", Policy(p => p["scope"]!["ref"] = "c") },
        { "sixteen rules", Policy(p => p["rules"] = new JsonArray(Enumerable.Range(1, 16).Select(i => (JsonNode)RetentionApi.Rule(value: i)).ToArray())) },
    };

    /// <summary>A policy for project "c" (whose id the test puts in for <c>PROJECT</c>) changed by <paramref name="change"/>.</summary>
    private static string Policy(Action<JsonObject> change)
    {
        var policy = RetentionApi.Policy(-424242);
        change(policy);
        return policy.ToJsonString();
    }

    private static string Replace(Action<JsonObject> change) => Policy(p => change(p["rules"]![0]!.AsObject()));

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public async Task Bad_policies_get_harbors_400_and_say_what_is_wrong(string what, string body)
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "c");
        body = body.Replace("-424242", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/retentions", TestCredentials.AdminAuthorization, body);
        Assert.False(string.IsNullOrEmpty(await RetentionApi.AssertErrorAsync(created, HttpStatusCode.BadRequest)), what);

        // The same body is refused as an update of an existing policy, but for the one without a scope: an update may leave
        // the scope out (the policy keeps its project), so that body is a valid update.
        var id = await ExistingPolicyAsync(projectId);
        using var updated = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", TestCredentials.AdminAuthorization, body);
        if (what == "no scope")
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }
        else
        {
            await RetentionApi.AssertErrorAsync(updated, HttpStatusCode.BadRequest);
        }
    }

    private async Task<long> ExistingPolicyAsync(long projectId)
    {
        var project = await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/projects/{projectId}");
        return project.GetProperty("metadata").TryGetProperty("retention_id", out var id)
            ? long.Parse(id.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId));
    }

    [Fact]
    public async Task Two_identical_rules_are_a_conflict_as_in_harbor()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "d");
        var policy = RetentionApi.Policy(projectId, "", RetentionApi.Rule(), RetentionApi.Rule());
        policy["rules"]![1]!["id"] = 2;
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", policy);
        await RetentionApi.AssertErrorAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_policy_stays_in_its_project()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "src");
        var otherId = await RetentionApi.ProjectIdAsync(_server, "dst");
        var id = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId));
        using var moved = await SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", RetentionApi.Policy(otherId));
        Assert.Contains($"belongs to project {projectId}", await RetentionApi.AssertErrorAsync(moved, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var scopeless = RetentionApi.Policy(projectId, "", RetentionApi.Rule("always", null));
        scopeless.Remove("scope");
        using var kept = await SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", scopeless);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        var policy = await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{id}");
        Assert.Equal(projectId, policy.GetProperty("scope").GetProperty("ref").GetInt64());
        Assert.Equal("always", policy.GetProperty("rules")[0].GetProperty("template").GetString());
    }

    [Fact]
    public async Task Unknown_projects_and_policies_look_forbidden_to_everyone_but_administrators()
    {
        using (var admin = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(987654)))
        {
            Assert.Contains("invalid project id 987654", await RetentionApi.AssertErrorAsync(admin, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        }

        using (var stranger = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(987654), As("stranger")))
        {
            await RetentionApi.AssertErrorAsync(stranger, HttpStatusCode.Forbidden);
        }

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/v2.0/retentions/987654"),
            (HttpMethod.Delete, "/api/v2.0/retentions/987654"),
            (HttpMethod.Get, "/api/v2.0/retentions/987654/executions"),
            (HttpMethod.Get, "/api/v2.0/retentions/987654/executions/1/tasks"),
        })
        {
            using (var admin = await SendAsync(method, path))
            {
                await RetentionApi.AssertErrorAsync(admin, HttpStatusCode.NotFound);
            }

            using (var member = await SendAsync(method, path, null, As("team-projectadmin")))
            {
                await RetentionApi.AssertErrorAsync(member, HttpStatusCode.Forbidden);
            }

            using var anonymous = await _server.SendAsync(method, path, null);
            await RetentionApi.AssertErrorAsync(anonymous, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Harbors_roles_decide_who_manages_a_projects_policy()
    {
        var team = await RetentionApi.ProjectIdAsync(_server, "team");
        var elsewhere = await RetentionApi.ProjectIdAsync(_server, "elsewhere");

        // Project admins, maintainers and developers manage tag retention; guests, limited guests and strangers do not.
        foreach (var refused in new[] { "team-guest", "team-limitedguest", "stranger" })
        {
            using var create = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(team), As(refused));
            await RetentionApi.AssertErrorAsync(create, HttpStatusCode.Forbidden);
        }

        // A member of one project cannot make a policy for another.
        using (var other = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(elsewhere), As("team-projectadmin")))
        {
            await RetentionApi.AssertErrorAsync(other, HttpStatusCode.Forbidden);
        }

        long id;
        using (var create = await SendAsync(HttpMethod.Post, "/api/v2.0/retentions", RetentionApi.Policy(team), As("team-developer")))
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
            id = long.Parse(create.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var allowed in new[] { "team-projectadmin", "team-maintainer", "team-developer" })
        {
            await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{id}", As(allowed));
            using var put = await SendAsync(HttpMethod.Put, $"/api/v2.0/retentions/{id}", RetentionApi.Policy(team, "0 0 0 * * *"), As(allowed));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        foreach (var refused in new[] { "team-guest", "team-limitedguest", "stranger" })
        {
            using var get = await SendAsync(HttpMethod.Get, $"/api/v2.0/retentions/{id}", null, As(refused));
            await RetentionApi.AssertErrorAsync(get, HttpStatusCode.Forbidden);
            using var delete = await SendAsync(HttpMethod.Delete, $"/api/v2.0/retentions/{id}", null, As(refused));
            await RetentionApi.AssertErrorAsync(delete, HttpStatusCode.Forbidden);
        }

        using var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2.0/retentions/{id}", null, As("team-maintainer"));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }
}
