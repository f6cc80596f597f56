using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Robots;

/// <summary><c>/api/v2.0/robots</c> as Harbor's clients use it, and robots signing in on <c>/v2/</c>, the token service and the API.</summary>
public sealed class RobotApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private BerthServer Server => fixture.Server;

    private static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    private async Task<string> NewProjectAsync(string? owner = null)
    {
        var name = NewName("rp");
        using var response = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", owner ?? TestCredentials.AdminAuthorization,
            $$$"""{"project_name":"{{{name}}}","metadata":{"public":"false"}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    private static string ProjectRobot(string name, string project, params string[] actions) => $$"""
        {"name":"{{name}}","description":"ci","level":"project","duration":-1,"disable":false,
         "permissions":[{"kind":"project","namespace":"{{project}}","access":[{{string.Join(",", actions.Select(a => $$"""{"resource":"repository","action":"{{a}}"}"""))}}]}]}
        """;

    private sealed record Robot(long Id, string Name, string Secret)
    {
        public string Authorization => TestCredentials.Basic(Name, Secret);
    }

    private async Task<Robot> CreateAsync(string body, string? authorization = null)
    {
        using var response = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", authorization ?? TestCredentials.AdminAuthorization, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        return new Robot(root.GetProperty("id").GetInt64(), root.GetProperty("name").GetString()!, root.GetProperty("secret").GetString()!);
    }

    private HttpClient ClientFor(string authorization)
    {
        var client = new HttpClient { BaseAddress = Server.Address };
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return client;
    }

    private async Task<HttpStatusCode> PushAsync(string authorization, string repository)
    {
        using var client = ClientFor(authorization);
        var image = TestImage.Create().WithLayer(64).Build();
        foreach (var blob in image.Blobs)
        {
            using var response = await client.PushBlobAsync(repository, blob);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return response.StatusCode;
            }
        }

        using var manifest = await client.PushManifestAsync(repository, "v1", image.Manifest);
        return manifest.StatusCode;
    }

    private async Task<HttpStatusCode> PullAsync(string authorization, string repository)
    {
        using var client = ClientFor(authorization);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/v1");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<List<string>> TokenActionsAsync(string authorization, string repository)
    {
        using var response = await Server.SendAsync(HttpMethod.Get, $"/service/token?service=harbor-registry&scope=repository:{repository}:pull,push,delete", authorization);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var token = json.RootElement.GetProperty("token").GetString()!;
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        return claims.RootElement.GetProperty("access").EnumerateArray()
            .SelectMany(a => a.GetProperty("actions").EnumerateArray().Select(x => x.GetString()!)).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Creating_a_project_robot_answers_Harbors_shape_and_the_robot_pushes_and_pulls_in_its_project_only()
    {
        var project = await NewProjectAsync();
        var other = await NewProjectAsync();
        using var response = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization,
            ProjectRobot("ci", project, "pull", "push"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        var id = root.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v2.0/robots/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal($"robot${project}+ci", root.GetProperty("name").GetString());
        var secret = root.GetProperty("secret").GetString()!;
        Assert.Equal(32, secret.Length);
        Assert.Equal(-1, root.GetProperty("expires_at").GetInt64());
        Assert.True(DateTime.TryParse(root.GetProperty("creation_time").GetString(), out _));

        var robot = TestCredentials.Basic($"robot${project}+ci", secret);
        Assert.Equal(HttpStatusCode.Created, await PushAsync(robot, $"{project}/app"));
        Assert.Equal(HttpStatusCode.OK, await PullAsync(robot, $"{project}/app"));
        Assert.Equal(HttpStatusCode.Forbidden, await PushAsync(robot, $"{other}/app"));
        Assert.Equal(["pull", "push"], await TokenActionsAsync(robot, $"{project}/app"));
        Assert.Empty(await TokenActionsAsync(robot, $"{other}/app"));

        using var wrong = await Server.SendAsync(HttpMethod.Get, "/v2/", TestCredentials.Basic($"robot${project}+ci", secret + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task A_pull_only_robot_cannot_push_and_its_token_holds_only_pull()
    {
        var project = await NewProjectAsync();
        var pusher = await CreateAsync(ProjectRobot("push", project, "pull", "push"));
        Assert.Equal(HttpStatusCode.Created, await PushAsync(pusher.Authorization, $"{project}/app"));
        var puller = await CreateAsync(ProjectRobot("pull", project, "pull"));
        Assert.Equal(HttpStatusCode.OK, await PullAsync(puller.Authorization, $"{project}/app"));
        Assert.Equal(HttpStatusCode.Forbidden, await PushAsync(puller.Authorization, $"{project}/app"));
        Assert.Equal(["pull"], await TokenActionsAsync(puller.Authorization, $"{project}/app"));
    }

    [Fact]
    public async Task A_robot_reads_public_projects_but_cannot_push_there()
    {
        var project = await NewProjectAsync();
        var robot = await CreateAsync(ProjectRobot("pub", project, "pull", "push"));
        Assert.Equal(["pull"], await TokenActionsAsync(robot.Authorization, "library/app"));
    }

    [Fact]
    public async Task Get_and_list_never_show_the_secret_and_list_takes_Harbors_query()
    {
        var project = await NewProjectAsync();
        var first = await CreateAsync(ProjectRobot("one", project, "pull"));
        await CreateAsync(ProjectRobot("two", project, "pull"));
        using var projectResponse = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/projects/{project}", TestCredentials.AdminAuthorization);
        using var projectJson = JsonDocument.Parse(await projectResponse.Content.ReadAsStringAsync());
        var projectId = projectJson.RootElement.GetProperty("project_id").GetInt64();

        using var get = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{first.Id}", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var text = await get.Content.ReadAsStringAsync();
        Assert.DoesNotContain(first.Secret, text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var robot = json.RootElement;
        Assert.False(robot.TryGetProperty("secret", out _));
        Assert.Equal(first.Id, robot.GetProperty("id").GetInt64());
        Assert.Equal(first.Name, robot.GetProperty("name").GetString());
        Assert.Equal("ci", robot.GetProperty("description").GetString());
        Assert.Equal("project", robot.GetProperty("level").GetString());
        Assert.Equal(-1, robot.GetProperty("duration").GetInt64());
        Assert.True(robot.GetProperty("editable").GetBoolean());
        Assert.False(robot.GetProperty("disable").GetBoolean());
        Assert.Equal(-1, robot.GetProperty("expires_at").GetInt64());
        Assert.Equal("local", robot.GetProperty("creator_type").GetString());
        Assert.Equal(JsonValueKind.Number, robot.GetProperty("creator_ref").ValueKind);
        Assert.True(DateTime.TryParse(robot.GetProperty("creation_time").GetString(), out _));
        Assert.True(DateTime.TryParse(robot.GetProperty("update_time").GetString(), out _));
        var permission = Assert.Single(robot.GetProperty("permissions").EnumerateArray());
        Assert.Equal("project", permission.GetProperty("kind").GetString());
        Assert.Equal(project, permission.GetProperty("namespace").GetString());
        var access = Assert.Single(permission.GetProperty("access").EnumerateArray());
        Assert.Equal(("repository", "pull", "allow"),
            (access.GetProperty("resource").GetString(), access.GetProperty("action").GetString(), access.GetProperty("effect").GetString()));

        using var list = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots?q=Level=project,ProjectID={projectId}&page_size=1",
            TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("2", list.Headers.GetValues("X-Total-Count").Single());
        Assert.Contains("rel=\"next\"", list.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        using var page = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        Assert.Equal(first.Id, Assert.Single(page.RootElement.EnumerateArray()).GetProperty("id").GetInt64());

        using var byName = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots?q=Level=project,ProjectID={projectId},name=~two",
            TestCredentials.AdminAuthorization);
        Assert.Equal("1", byName.Headers.GetValues("X-Total-Count").Single());

        using var noProject = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/robots?q=Level=project", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.BadRequest, noProject.StatusCode);
        using var badKey = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/robots?q=secret=x", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
    }

    [Fact]
    public async Task Updating_permissions_revokes_at_once_and_name_or_level_cannot_change()
    {
        var project = await NewProjectAsync();
        var robot = await CreateAsync(ProjectRobot("rev", project, "pull", "push"));
        Assert.Equal(HttpStatusCode.Created, await PushAsync(robot.Authorization, $"{project}/app"));

        var update = ProjectRobot("x", project, "pull").Replace("\"name\":\"x\"", $"\"name\":\"{robot.Name}\"", StringComparison.Ordinal);
        using var updated = await Server.SendAsync(HttpMethod.Put, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization, update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await PushAsync(robot.Authorization, $"{project}/app"));
        Assert.Equal(HttpStatusCode.OK, await PullAsync(robot.Authorization, $"{project}/app"));

        using var renamed = await Server.SendAsync(HttpMethod.Put, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization,
            ProjectRobot("other", project, "pull"));
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Equal("BAD_REQUEST", await HarborCodeAsync(renamed));

        var moved = update.Replace($"\"namespace\":\"{project}\"", "\"namespace\":\"library\"", StringComparison.Ordinal);
        using var move = await Server.SendAsync(HttpMethod.Put, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization, moved);
        Assert.Equal(HttpStatusCode.BadRequest, move.StatusCode);

        var disabled = update.Replace("\"disable\":false", "\"disable\":true", StringComparison.Ordinal);
        using var disable = await Server.SendAsync(HttpMethod.Put, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization, disabled);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        using var refused = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var token = await Server.SendAsync(HttpMethod.Get, $"/service/token?service=harbor-registry&scope=repository:{project}/app:pull", robot.Authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task Refreshing_the_secret_replaces_it_and_a_chosen_secret_must_be_strong()
    {
        var project = await NewProjectAsync();
        var robot = await CreateAsync(ProjectRobot("sec", project, "pull"));
        using (var ok = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refresh = await Server.SendAsync(HttpMethod.Patch, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization, """{"secret":""}""");
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        using var json = JsonDocument.Parse(await refresh.Content.ReadAsStringAsync());
        var fresh = json.RootElement.GetProperty("secret").GetString()!;
        Assert.Equal(32, fresh.Length);
        Assert.NotEqual(robot.Secret, fresh);
        using (var old = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        using (var now = await Server.SendAsync(HttpMethod.Get, "/v2/", TestCredentials.Basic(robot.Name, fresh)))
        {
            Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        }

        foreach (var weak in new[] { "short1A", "alllowercase1", "ALLUPPER1", "NoDigitsHere", new string('a', 127) + "A1" })
        {
            using var refused = await Server.SendAsync(HttpMethod.Patch, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization,
                JsonSerializer.Serialize(new { secret = weak }));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using var chosen = await Server.SendAsync(HttpMethod.Patch, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization, """{"secret":"Chosen-Secret-42"}""");
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        using var chosenJson = JsonDocument.Parse(await chosen.Content.ReadAsStringAsync());
        Assert.Equal("", chosenJson.RootElement.GetProperty("secret").GetString());
        using var login = await Server.SendAsync(HttpMethod.Get, "/v2/", TestCredentials.Basic(robot.Name, "Chosen-Secret-42"));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task An_expired_robot_is_refused_everywhere()
    {
        var project = await NewProjectAsync();
        var robot = await CreateAsync(ProjectRobot("old", project, "pull").Replace("\"duration\":-1", "\"duration\":1", StringComparison.Ordinal));
        using (var json = JsonDocument.Parse(await (await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization)).Content.ReadAsStringAsync()))
        {
            var expires = json.RootElement.GetProperty("expires_at").GetInt64();
            Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 86_400 - 120, 86_400 + 5);
        }

        using (var ok = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await using (var db = DataDirectory.Open(Server.DataDirectory))
        {
            var stored = db.Robots.Single(r => r.Id == robot.Id);
            stored.ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
            await db.SaveChangesAsync();
        }

        // The login above is cached with the expiry it had then; forget it, as a minute's wait would, so the stored one is read.
        Server.Services.GetRequiredService<Berth.Auth.CredentialCache>().Forget(robot.Name);
        using var v2 = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, v2.StatusCode);
        using var api = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current", robot.Authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var token = await Server.SendAsync(HttpMethod.Get, $"/service/token?service=harbor-registry&scope=repository:{project}/app:pull", robot.Authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_robot_or_its_project_ends_its_access()
    {
        var project = await NewProjectAsync();
        var robot = await CreateAsync(ProjectRobot("gone", project, "pull"));
        using (var delete = await Server.SendAsync(HttpMethod.Delete, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        using (var refused = await Server.SendAsync(HttpMethod.Get, "/v2/", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var missing = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{robot.Id}", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("NOT_FOUND", await HarborCodeAsync(missing));
        }

        var second = await CreateAsync(ProjectRobot("cascade", project, "pull"));
        using (var deleteProject = await Server.SendAsync(HttpMethod.Delete, $"/api/v2.0/projects/{project}", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, deleteProject.StatusCode);
        }

        using var after = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{second.Id}", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task A_token_minted_before_its_project_was_recreated_is_refused()
    {
        var project = await NewProjectAsync();
        using var issued = await Server.SendAsync(HttpMethod.Get, $"/service/token?service=harbor-registry&scope=repository:{project}/app:pull,push",
            TestCredentials.AdminAuthorization);
        using var json = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        var bearer = "Bearer " + json.RootElement.GetProperty("token").GetString();
        using (var upload = await Server.SendAsync(HttpMethod.Post, $"/v2/{project}/app/blobs/uploads/", bearer))
        {
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        }

        using (var delete = await Server.SendAsync(HttpMethod.Delete, $"/api/v2.0/projects/{project}", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the new project is created in a later second than the token
        using (var create = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization,
            $$"""{"project_name":"{{project}}"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        }

        using var reused = await Server.SendAsync(HttpMethod.Post, $"/v2/{project}/app/blobs/uploads/", bearer);
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
    }

    [Fact]
    public async Task A_system_robot_covers_the_projects_it_names_and_every_project_with_a_star()
    {
        var one = await NewProjectAsync();
        var two = await NewProjectAsync();
        var three = await NewProjectAsync();
        var robot = await CreateAsync($$"""
            {"name":"{{NewName("sys")}}","level":"system","duration":-1,"permissions":[
              {"kind":"project","namespace":"{{one}}","access":[{"resource":"repository","action":"pull"},{"resource":"repository","action":"push"}]},
              {"kind":"project","namespace":"{{two}}","access":[{"resource":"repository","action":"pull"},{"resource":"repository","action":"push"}]},
              {"kind":"system","namespace":"/","access":[{"resource":"garbage-collection","action":"list"}]}]}
            """);
        Assert.StartsWith("robot$sys", robot.Name, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, await PushAsync(robot.Authorization, $"{one}/app"));
        Assert.Equal(HttpStatusCode.Created, await PushAsync(robot.Authorization, $"{two}/app"));
        Assert.Equal(HttpStatusCode.Forbidden, await PushAsync(robot.Authorization, $"{three}/app"));
        using (var gc = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/system/gc", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.OK, gc.StatusCode);
        }

        using (var users = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/users", robot.Authorization))
        {
            Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        }

        var star = await CreateAsync($$"""
            {"name":"{{NewName("star")}}","level":"system","permissions":[
              {"kind":"project","namespace":"*","access":[{"resource":"repository","action":"pull"}]}]}
            """);
        var later = await NewProjectAsync();
        Assert.Equal(HttpStatusCode.Created, await PushAsync(TestCredentials.AdminAuthorization, $"{later}/app"));
        Assert.Equal(HttpStatusCode.OK, await PullAsync(star.Authorization, $"{later}/app"));
        Assert.Equal(HttpStatusCode.Forbidden, await PushAsync(star.Authorization, $"{later}/app"));
    }

    [Fact]
    public async Task Project_admins_manage_their_projects_robots_and_nobody_else_does()
    {
        var admin = NewName("padm");
        var developer = NewName("pdev");
        var outsider = NewName("pout");
        await TestCredentials.AddUserAsync(Server.DataDirectory, admin, "Passw0rd!");
        await TestCredentials.AddUserAsync(Server.DataDirectory, outsider, "Passw0rd!");
        var project = await NewProjectAsync(TestCredentials.Basic(admin, "Passw0rd!"));
        await TestCredentials.AddUserAsync(Server.DataDirectory, developer, "Passw0rd!", project, Berth.Data.Entities.ProjectRole.Developer);

        var robot = await CreateAsync(ProjectRobot("own", project, "pull", "push"), TestCredentials.Basic(admin, "Passw0rd!"));
        using (var list = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{robot.Id}", TestCredentials.Basic(developer, "Passw0rd!")))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode); // developers read and list robots, as in Harbor
        }

        using (var byDeveloper = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.Basic(developer, "Passw0rd!"),
            ProjectRobot("dev", project, "pull")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byDeveloper.StatusCode);
        }

        foreach (var (method, body) in new[] { (HttpMethod.Get, (string?)null), (HttpMethod.Delete, null), (HttpMethod.Patch, """{"secret":""}""") })
        {
            using var response = await Server.SendAsync(method, $"/api/v2.0/robots/{robot.Id}", TestCredentials.Basic(outsider, "Passw0rd!"), body);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // An unknown robot and an unknown project answer a non-administrator like forbidden ones.
        using (var unknown = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/robots/99999999", TestCredentials.Basic(admin, "Passw0rd!")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        }

        using (var unknownProject = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.Basic(outsider, "Passw0rd!"),
            ProjectRobot("x", "no-such-project", "pull")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unknownProject.StatusCode);
        }

        using (var system = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.Basic(admin, "Passw0rd!"),
            $$"""{"name":"mine","level":"system","permissions":[{"kind":"project","namespace":"{{project}}","access":[{"resource":"repository","action":"pull"}]}]}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, system.StatusCode);
        }

        using var anonymous = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/robots", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_robot_creating_a_robot_gives_only_what_it_holds()
    {
        var project = await NewProjectAsync();
        var maker = await CreateAsync($$"""
            {"name":"{{NewName("maker")}}","level":"system","permissions":[
              {"kind":"system","namespace":"/","access":[{"resource":"robot","action":"create"}]},
              {"kind":"project","namespace":"{{project}}","access":[{"resource":"repository","action":"pull"}]}]}
            """);
        var subset = await CreateAsync($$"""
            {"name":"{{NewName("sub")}}","level":"system","permissions":[
              {"kind":"project","namespace":"{{project}}","access":[{"resource":"repository","action":"pull"}]}]}
            """, maker.Authorization);
        Assert.NotEqual(0, subset.Id);
        using var more = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", maker.Authorization, $$"""
            {"name":"{{NewName("sup")}}","level":"system","permissions":[
              {"kind":"project","namespace":"{{project}}","access":[{"resource":"repository","action":"push"}]}]}
            """);
        Assert.Equal(HttpStatusCode.Forbidden, more.StatusCode);
        using var escalate = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", maker.Authorization, $$"""
            {"name":"{{NewName("esc")}}","level":"system","permissions":[
              {"kind":"system","namespace":"/","access":[{"resource":"user","action":"create"}]}]}
            """);
        Assert.Equal(HttpStatusCode.Forbidden, escalate.StatusCode);
    }

    [Fact]
    public async Task A_robot_given_project_read_reads_its_project_and_no_more()
    {
        // Harbor names the project itself "project" in a robot's project permission (read, update or delete); its list
        // has metadata:list too, which Berth takes though no request of its asks for it.
        var project = await NewProjectAsync();
        var reader = await CreateAsync($$"""
            {"name":"{{NewName("pr")}}","level":"project","duration":-1,
             "permissions":[{"kind":"project","namespace":"{{project}}","access":[{"resource":"project","action":"read"},{"resource":"repository","action":"pull"},{"resource":"metadata","action":"list"}]}]}
            """);
        var puller = await CreateAsync(ProjectRobot(NewName("pp"), project, "pull"));

        using (var shown = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/robots/{reader.Id}", TestCredentials.AdminAuthorization))
        {
            using var json = JsonDocument.Parse(await shown.Content.ReadAsStringAsync());
            var access = json.RootElement.GetProperty("permissions")[0].GetProperty("access");
            Assert.Contains(access.EnumerateArray(), a => a.GetProperty("resource").GetString() == "project" && a.GetProperty("action").GetString() == "read");
        }

        using (var read = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/projects/{project}", reader.Authorization))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            using var json = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
            Assert.Equal(project, json.RootElement.GetProperty("name").GetString());
        }

        using (var update = await Server.SendAsync(HttpMethod.Put, $"/api/v2.0/projects/{project}", reader.Authorization, """{"metadata":{"public":"true"}}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        }

        using var unread = await Server.SendAsync(HttpMethod.Get, $"/api/v2.0/projects/{project}", puller.Authorization);
        Assert.Equal(HttpStatusCode.Forbidden, unread.StatusCode);
    }

    [Fact]
    public async Task Permissions_lists_what_robots_may_be_given_to_those_who_make_them()
    {
        var projectAdmin = NewName("gadm");
        var outsider = NewName("gout");
        await TestCredentials.AddUserAsync(Server.DataDirectory, projectAdmin, "Passw0rd!");
        await TestCredentials.AddUserAsync(Server.DataDirectory, outsider, "Passw0rd!");
        var project = await NewProjectAsync(TestCredentials.Basic(projectAdmin, "Passw0rd!"));

        async Task<JsonElement> ListAsync(string authorization)
        {
            using var response = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/permissions", authorization);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.Clone();
        }

        static List<string> Names(JsonElement list) =>
            list.EnumerateArray().Select(p => p.GetProperty("resource").GetString() + ":" + p.GetProperty("action").GetString()).ToList();

        var all = await ListAsync(TestCredentials.AdminAuthorization);
        Assert.Contains("project:create", Names(all.GetProperty("system")));
        var projectList = Names(all.GetProperty("project"));
        Assert.Contains("project:read", projectList);
        Assert.Contains("repository:push", projectList);
        Assert.DoesNotContain(projectList, p => p.StartsWith(':'));

        // A project administrator sees the project list only, and every entry on it is one a robot can be given.
        var forProjectAdmin = await ListAsync(TestCredentials.Basic(projectAdmin, "Passw0rd!"));
        Assert.False(forProjectAdmin.TryGetProperty("system", out _));
        Assert.Equal(projectList, Names(forProjectAdmin.GetProperty("project")));
        var access = string.Join(",", forProjectAdmin.GetProperty("project").EnumerateArray().Select(p => p.GetRawText()));
        await CreateAsync($$"""
            {"name":"{{NewName("every")}}","level":"project","duration":-1,
             "permissions":[{"kind":"project","namespace":"{{project}}","access":[{{access}}]}]}
            """, TestCredentials.Basic(projectAdmin, "Passw0rd!"));

        var robot = await CreateAsync(ProjectRobot(NewName("gr"), project, "pull"));
        foreach (var (authorization, status) in new[]
        {
            (TestCredentials.Basic(outsider, "Passw0rd!"), HttpStatusCode.Forbidden),
            (robot.Authorization, HttpStatusCode.Forbidden),
            ((string?)null, HttpStatusCode.Unauthorized),
        })
        {
            using var refused = await Server.SendAsync(HttpMethod.Get, "/api/v2.0/permissions", authorization);
            Assert.Equal(status, refused.StatusCode);
        }
    }

    [Theory]
    [InlineData("""{"name":"Bad Name","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"root","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[]}""")]
    [InlineData("""{"name":"ok","level":"project"}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"fly"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"user","action":"create"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull","effect":"maybe"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"system","namespace":"/","access":[{"resource":"user","action":"create"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]},{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","duration":0,"permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","duration":-2,"permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"system","permissions":[{"kind":"system","namespace":"P","access":[{"resource":"user","action":"create"}]}]}""")]
    [InlineData("""{"name":"ok","level":"system","permissions":[{"kind":"system","namespace":"/","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"system","permissions":[{"kind":"project","namespace":"no-such-project","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"*","access":[{"resource":"repository","action":"pull"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"pull"}]}],"duration":"long"}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"project","action":"list"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"","action":"read"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"configuration","action":"read"}]}]}""")]
    [InlineData("""{"name":"ok","level":"project","permissions":[{"kind":"project","namespace":"P","access":[{"resource":"repository","action":"create"}]}]}""")]
    [InlineData("""not json""")]
    [InlineData("""[]""")]
    public async Task Bad_robot_requests_get_Harbors_400(string body)
    {
        var project = await NewProjectAsync();
        using var response = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization,
            body.Replace("\"P\"", $"\"{project}\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BAD_REQUEST", await HarborCodeAsync(response));
    }

    [Fact]
    public async Task A_second_robot_of_the_same_name_is_a_conflict()
    {
        var project = await NewProjectAsync();
        await CreateAsync(ProjectRobot("twice", project, "pull"));
        using var again = await Server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization, ProjectRobot("twice", project, "pull"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("CONFLICT", await HarborCodeAsync(again));
    }

    private static async Task<string?> HarborCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }
}
