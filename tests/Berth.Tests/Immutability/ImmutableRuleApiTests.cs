using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using static Berth.Tests.Immutability.ImmutabilityApi;

namespace Berth.Tests.Immutability;

/// <summary><c>/api/v2.0/projects/{project}/immutabletagrules</c>: create, list, change and delete, with Harbor's statuses and checks.</summary>
public sealed class ImmutableRuleApiTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? authorization = null) =>
        _server.SendAsync(method, path, authorization ?? Admin, body);

    private async Task<JsonElement> ListAsync(string project, string query = "")
    {
        using var response = await SendAsync(HttpMethod.Get, RulesUrl(project) + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_rule_is_created_listed_changed_and_deleted()
    {
        var project = await NewProjectAsync(_server);
        var projectId = await ProjectIdAsync(_server, project);
        var id = await CreateRuleAsync(_server, project, Rule("release-*", "web/**"));

        var rule = Assert.Single((await ListAsync(project)).EnumerateArray());
        Assert.Equal(id, rule.GetProperty("id").GetInt64());
        Assert.False(rule.TryGetProperty("project_id", out _)); // not in Harbor's swagger, nor in its answers
        Assert.False(rule.GetProperty("disabled").GetBoolean());
        Assert.Equal("immutable", rule.GetProperty("action").GetString());
        Assert.Equal("immutable_template", rule.GetProperty("template").GetString());
        Assert.Equal("release-*", rule.GetProperty("tag_selectors")[0].GetProperty("pattern").GetString());
        Assert.Equal("matches", rule.GetProperty("tag_selectors")[0].GetProperty("decoration").GetString());
        var scope = rule.GetProperty("scope_selectors").GetProperty("repository")[0];
        Assert.Equal(("doublestar", "repoMatches", "web/**"),
            (scope.GetProperty("kind").GetString(), scope.GetProperty("decoration").GetString(), scope.GetProperty("pattern").GetString()));

        // Terraform's way of disabling: the whole rule back, with its id and disabled set.
        var changed = Rule("release-*", "web/**", tagDecoration: "excludes", disabled: true);
        changed["id"] = id;
        using (var put = await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", changed.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("", await put.Content.ReadAsStringAsync());
        }

        rule = Assert.Single((await ListAsync(project)).EnumerateArray());
        Assert.True(rule.GetProperty("disabled").GetBoolean());
        Assert.Equal("excludes", rule.GetProperty("tag_selectors")[0].GetProperty("decoration").GetString());

        // By id works as by name does.
        using (var byId = await SendAsync(HttpMethod.Delete, $"{RulesUrl(projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))}/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, byId.StatusCode);
        }

        Assert.Equal(0, (await ListAsync(project)).GetArrayLength());
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, $"{RulesUrl(project)}/{id}"), HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", Rule().ToJsonString()), HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Location_repeats_the_path_the_client_used()
    {
        var project = await NewProjectAsync(_server);
        var projectId = (await ProjectIdAsync(_server, project)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await SendAsync(HttpMethod.Post, RulesUrl(projectId), Rule("a").ToJsonString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Matches($"^/api/v2.0/projects/{projectId}/immutabletagrules/[0-9]+$", response.Headers.Location!.OriginalString);
        Assert.False(response.Headers.Location.IsAbsoluteUri);
    }

    [Fact]
    public async Task The_same_rule_twice_is_a_conflict_even_disabled_or_by_update()
    {
        var project = await NewProjectAsync(_server);
        var first = await CreateRuleAsync(_server, project, Rule("v*", "app"));
        await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl(project), Rule("v*", "app").ToJsonString()), HttpStatusCode.Conflict, "CONFLICT");
        await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl(project), Rule("v*", "app", disabled: true).ToJsonString()),
            HttpStatusCode.Conflict, "CONFLICT");
        var second = await CreateRuleAsync(_server, project, Rule("v*", "tool"));
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{second}", Rule("v*", "app").ToJsonString()),
            HttpStatusCode.Conflict, "CONFLICT");
        // A rule is not its own duplicate, and another project may have the same rule.
        using (var same = await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{first}", Rule("v*", "app", disabled: true).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        }

        await CreateRuleAsync(_server, await NewProjectAsync(_server), Rule("v*", "app"));
        Assert.Equal(2, (await ListAsync(project)).GetArrayLength());
    }

    public static TheoryData<string, string> BadRules()
    {
        JsonObject With(Action<JsonObject> change)
        {
            var rule = Rule();
            change(rule);
            return rule;
        }

        return new()
        {
            { "action", With(r => r["action"] = "retain").ToJsonString() },
            { "template", With(r => r["template"] = "latestPushedK").ToJsonString() },
            { "tag_selectors", With(r => r.Remove("tag_selectors")).ToJsonString() },
            { "tag_selectors", With(r => r["tag_selectors"] = new JsonArray()).ToJsonString() },
            { "tag_selectors", With(r => r["tag_selectors"]!.AsArray().Add(Rule()["tag_selectors"]![0]!.DeepClone())).ToJsonString() },
            { "tag_selectors[0] is null", With(r => r["tag_selectors"] = new JsonArray((JsonNode?)null)).ToJsonString() },
            { "tag_selectors[0].kind", With(r => r["tag_selectors"]![0]!["kind"] = "regex").ToJsonString() },
            { "tag_selectors[0].decoration", With(r => r["tag_selectors"]![0]!["decoration"] = "repoMatches").ToJsonString() },
            { "tag_selectors[0].pattern", With(r => r["tag_selectors"]![0]!["pattern"] = "").ToJsonString() },
            { "tag_selectors[0].pattern", With(r => r["tag_selectors"]![0]!["pattern"] = "v[1").ToJsonString() },
            { "tag_selectors[0].pattern", With(r => r["tag_selectors"]![0]!["pattern"] = new string('*', 1025)).ToJsonString() },
            { "scope_selectors", With(r => r.Remove("scope_selectors")).ToJsonString() },
            { "scope_selectors.namespace", With(r => r["scope_selectors"]!["namespace"] = new JsonArray()).ToJsonString() },
            { "scope_selectors.repository", With(r => r["scope_selectors"]!["repository"] = new JsonArray()).ToJsonString() },
            { "scope_selectors.repository[0].decoration", With(r => r["scope_selectors"]!["repository"]![0]!["decoration"] = "matches").ToJsonString() },
            { "scope_selectors.repository[0].pattern", With(r => r["scope_selectors"]!["repository"]![0]!["pattern"] = "{a,").ToJsonString() },
            { "invalid JSON", With(r => r["disabled"] = "yes").ToJsonString() },
            { "invalid JSON", With(r => r["priority"] = 1e40).ToJsonString() },
            { "invalid JSON", "{\"tag_selectors\":{}}" },
        };
    }

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task A_bad_rule_is_a_400_that_names_the_field(string field, string body)
    {
        var project = await NewProjectAsync(_server);
        var message = await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl(project), body), HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains(field, message, StringComparison.Ordinal);
        var id = await CreateRuleAsync(_server, project, Rule());
        message = await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", body), HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains(field, message, StringComparison.Ordinal);
        // Nothing was stored or changed.
        var rule = Assert.Single((await ListAsync(project)).EnumerateArray());
        Assert.Equal("**", rule.GetProperty("tag_selectors")[0].GetProperty("pattern").GetString());
    }

    [Fact]
    public async Task What_may_be_left_out_takes_its_only_value_and_extras_are_dropped()
    {
        var project = await NewProjectAsync(_server);
        var body = Rule("v*");
        body.Remove("action");
        body.Remove("template");
        body["tag_selectors"]![0]!["extras"] = "{\"untagged\":false}";
        body["params"] = new JsonObject { ["b"] = new JsonObject(), ["a"] = new JsonObject { ["x"] = 1 } };
        await CreateRuleAsync(_server, project, body);
        var rule = Assert.Single((await ListAsync(project)).EnumerateArray());
        Assert.Equal("immutable", rule.GetProperty("action").GetString());
        Assert.Equal("immutable_template", rule.GetProperty("template").GetString());
        Assert.False(rule.GetProperty("tag_selectors")[0].TryGetProperty("extras", out _));
        Assert.Equal("""{"a":{"x":1},"b":{}}""", rule.GetProperty("params").GetRawText());
    }

    [Fact]
    public async Task The_body_id_of_an_update_must_be_the_paths()
    {
        var project = await NewProjectAsync(_server);
        var id = await CreateRuleAsync(_server, project, Rule());
        var body = Rule("v*");
        body["id"] = id + 1;
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"{RulesUrl(project)}/{id}", body.ToJsonString()), HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_rule_of_another_project_is_not_found_there()
    {
        var owner = await NewProjectAsync(_server);
        var other = await NewProjectAsync(_server);
        var id = await CreateRuleAsync(_server, owner, Rule());
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, $"{RulesUrl(other)}/{id}", Rule("x").ToJsonString()), HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, $"{RulesUrl(other)}/{id}"), HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal("**", Assert.Single((await ListAsync(owner)).EnumerateArray()).GetProperty("tag_selectors")[0].GetProperty("pattern").GetString());
    }

    [Fact]
    public async Task An_unknown_project_is_404_to_administrators_and_refused_to_others()
    {
        await TestCredentials.AddUserAsync(_server.DataDirectory, "imm-user", "Passw0rd!imm");
        var user = TestCredentials.Basic("imm-user", "Passw0rd!imm");
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, RulesUrl("nosuchproject")), HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl("999999"), Rule().ToJsonString()), HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, RulesUrl("nosuchproject"), authorization: user), HttpStatusCode.Forbidden, "FORBIDDEN");
        using var anonymous = await _server.Anonymous.GetAsync(RulesUrl("nosuchproject"));
        await AssertErrorAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task A_numeric_name_is_an_id_unless_the_header_says_it_is_a_name()
    {
        var name = "7" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/projects", $$"""{"project_name":"{{name}}"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, RulesUrl(name)) { Content = new StringContent(Rule().ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", Admin);
        request.Headers.Add("X-Is-Resource-Name", "true");
        using (var byName = await _server.Anonymous.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Created, byName.StatusCode);
            Assert.StartsWith(RulesUrl(name) + "/", byName.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        // Without the header the number is a project id that does not exist.
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, RulesUrl(name)), HttpStatusCode.NotFound, "NOT_FOUND");
        await using var db = DataDirectory.Open(_server.DataDirectory);
        var id = (await db.Projects.SingleAsync(p => p.Name == name, TestContext.Current.CancellationToken)).Id;
        Assert.Equal(1, (await ListAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture))).GetArrayLength());
    }

    [Fact]
    public async Task Lists_are_paged_filtered_and_sorted_like_the_others()
    {
        var project = await NewProjectAsync(_server);
        var ids = new List<long>();
        foreach (var pattern in new[] { "a", "b", "c" })
        {
            ids.Add(await CreateRuleAsync(_server, project, Rule(pattern, disabled: pattern == "b")));
        }

        using (var first = await SendAsync(HttpMethod.Get, RulesUrl(project) + "?page_size=2"))
        {
            Assert.Equal("3", first.Headers.GetValues("X-Total-Count").Single());
            Assert.Contains("rel=\"next\"", first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
            var page = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(ids[..2], page.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        }

        using (var second = await SendAsync(HttpMethod.Get, RulesUrl(project) + "?page=2&page_size=2"))
        {
            Assert.Contains("rel=\"prev\"", second.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
            Assert.Equal([ids[2]], JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        }

        Assert.Equal([ids[1]], (await ListAsync(project, "?q=disabled%3Dtrue")).EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal(ids.AsEnumerable().Reverse(), (await ListAsync(project, "?sort=-id")).EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, RulesUrl(project) + "?q=id%3Dabc"), HttpStatusCode.BadRequest, "BAD_REQUEST");
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, RulesUrl(project) + "?page_size=-1"), HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_project_holds_at_most_fifteen_rules()
    {
        var project = await NewProjectAsync(_server);
        for (var i = 0; i < 15; i++)
        {
            await CreateRuleAsync(_server, project, Rule("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var message = await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl(project), Rule("t15").ToJsonString()),
            HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains("15", message, StringComparison.Ordinal);
        Assert.Equal(15, (await ListAsync(project, "?page_size=100")).GetArrayLength());
    }

    [Fact]
    public async Task Roles_and_robots_may_what_harbors_immutable_tag_permission_says()
    {
        var project = await NewProjectAsync(_server);
        var id = await CreateRuleAsync(_server, project, Rule());
        foreach (var (role, allowed) in new[] { (ProjectRole.Maintainer, true), (ProjectRole.Developer, false), (ProjectRole.Guest, false) })
        {
            var name = "imm-" + role.ToString().ToLowerInvariant() + Guid.NewGuid().ToString("N")[..6];
            await TestCredentials.AddUserAsync(_server.DataDirectory, name, "Passw0rd!" + name, project, role);
            using var list = await SendAsync(HttpMethod.Get, RulesUrl(project), authorization: TestCredentials.Basic(name, "Passw0rd!" + name));
            Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, list.StatusCode);
        }

        // A robot given immutable-tag list (and not the project itself) may list; without create it may not add.
        var robotBody = $$"""
            {"name":"imm{{Guid.NewGuid().ToString("N")[..6]}}","level":"project","duration":-1,
             "permissions":[{"kind":"project","namespace":"{{project}}","access":[{"resource":"immutable-tag","action":"list"}]}]}
            """;
        using var robot = await SendAsync(HttpMethod.Post, "/api/v2.0/robots", robotBody);
        var robotJson = JsonDocument.Parse(await robot.Content.ReadAsStringAsync()).RootElement;
        Assert.True(robot.StatusCode == HttpStatusCode.Created, robotJson.ToString());
        var robotAuthorization = TestCredentials.Basic(robotJson.GetProperty("name").GetString()!, robotJson.GetProperty("secret").GetString()!);
        using (var list = await SendAsync(HttpMethod.Get, RulesUrl(project), authorization: robotAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        await AssertErrorAsync(await SendAsync(HttpMethod.Post, RulesUrl(project), Rule("x").ToJsonString(), robotAuthorization),
            HttpStatusCode.Forbidden, "FORBIDDEN");
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, $"{RulesUrl(project)}/{id}", authorization: robotAuthorization),
            HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public async Task Rules_go_with_their_project()
    {
        var project = await NewProjectAsync(_server);
        var projectId = await ProjectIdAsync(_server, project);
        await CreateRuleAsync(_server, project, Rule("a"));
        await CreateRuleAsync(_server, project, Rule("b"));
        using (var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2.0/projects/{project}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await using var db = DataDirectory.Open(_server.DataDirectory);
        Assert.Equal(0, await db.Policies.CountAsync(p => p.ProjectId == projectId, TestContext.Current.CancellationToken));
    }
}
