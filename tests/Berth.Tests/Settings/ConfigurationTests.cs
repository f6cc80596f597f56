using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Gc;
using Berth.Settings;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Settings;

/// <summary><c>/api/v2.0/configurations</c>, read-only mode, and the settings that take effect through it.</summary>
public sealed class ConfigurationTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Gc:GraceWindow"] = "00:00:00" });
        await TestCredentials.AddUserAsync(_server.DataDirectory, "dora", "Dora-passw0rd", "team");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Dora => TestCredentials.Basic("dora", "Dora-passw0rd");

    private Task<HttpResponseMessage> PutAsync(string json, string? authorization = null) =>
        _server.SendAsync(HttpMethod.Put, "/api/v2.0/configurations", authorization ?? TestCredentials.AdminAuthorization, json);

    private async Task<JsonElement> GetAsync()
    {
        using var response = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/configurations", TestCredentials.AdminAuthorization);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Get_answers_each_setting_with_its_value_and_whether_it_may_change()
    {
        var settings = await GetAsync();
        Assert.Equal(JsonValueKind.False, settings.GetProperty("read_only").GetProperty("value").ValueKind);
        Assert.True(settings.GetProperty("read_only").GetProperty("editable").GetBoolean());
        Assert.Equal("db_auth", settings.GetProperty("auth_mode").GetProperty("value").GetString());
        Assert.False(settings.GetProperty("auth_mode").GetProperty("editable").GetBoolean()); // dora exists
        Assert.Equal("everyone", settings.GetProperty("project_creation_restriction").GetProperty("value").GetString());
        Assert.Equal("robot$", settings.GetProperty("robot_name_prefix").GetProperty("value").GetString());
        Assert.Equal(30, settings.GetProperty("robot_token_duration").GetProperty("value").GetInt64());
        Assert.Equal(30, settings.GetProperty("token_expiration").GetProperty("value").GetInt64());
        Assert.Equal(60, settings.GetProperty("session_timeout").GetProperty("value").GetInt64());

        using var asUser = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/configurations", Dora);
        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        using var anonymous = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/configurations", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var userPut = await PutAsync("""{"read_only":true}""", Dora);
        Assert.Equal(HttpStatusCode.Forbidden, userPut.StatusCode);
    }

    [Theory]
    [InlineData("""{"read_only":"yes"}""")]
    [InlineData("""{"read_only":1}""")]
    [InlineData("""{"token_expiration":0}""")]
    [InlineData("""{"session_timeout":-5}""")]
    [InlineData("""{"robot_token_duration":1.5}""")]
    [InlineData("""{"project_creation_restriction":"nobody"}""")]
    [InlineData("""{"auth_mode":"ldap_auth"}""")]
    [InlineData("""{"robot_name_prefix":"bot$"}""")]
    [InlineData("""{"oidc_client_secret":"s3cret"}""")]
    [InlineData("""{"read_only":true,"no_such_key":1}""")]
    [InlineData("""[]""")]
    [InlineData("""not json""")]
    public async Task Bad_settings_get_Harbors_400_and_change_nothing(string body)
    {
        using var response = await PutAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("BAD_REQUEST", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.False((await GetAsync()).GetProperty("read_only").GetProperty("value").GetBoolean());
    }

    [Fact]
    public async Task Read_only_mode_refuses_every_change_and_keeps_reads_working()
    {
        var image = TestImage.Create().WithLayer(300).Build();
        await _server.Client.PushImageAsync("team/frozen", image, "v1");
        using (var on = await PutAsync("""{"read_only":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }

        using (var info = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/systeminfo", TestCredentials.AdminAuthorization))
        {
            using var json = JsonDocument.Parse(await info.Content.ReadAsStringAsync());
            Assert.True(json.RootElement.GetProperty("read_only").GetBoolean());
        }

        var other = TestImage.Create().WithLayer(200).Build();
        var refused = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Post, "/v2/team/frozen/blobs/uploads/", null),
            (HttpMethod.Put, "/v2/team/frozen/manifests/v2", Encoding.UTF8.GetString(image.Manifest.Content)),
            (HttpMethod.Delete, $"/v2/team/frozen/manifests/{image.Manifest.Digest}", null),
            (HttpMethod.Delete, $"/v2/team/frozen/blobs/{image.Blobs.First().Digest}", null),
            (HttpMethod.Post, "/api/v2.0/projects", """{"project_name":"newone"}"""),
            (HttpMethod.Delete, "/api/v2.0/projects/empty", null),
            (HttpMethod.Post, "/api/v2.0/users", """{"username":"x","password":"Passw0rd-x","email":"x@example.com","realname":"x"}"""),
            (HttpMethod.Post, "/api/v2.0/system/gc/schedule", """{"schedule":{"type":"Manual"}}"""),
            (HttpMethod.Post, "/api/v2.0/robots", """{"name":"r","level":"project","permissions":[]}"""),
        };
        foreach (var (method, path, body) in refused)
        {
            using var response = await _server.SendAsync(method, path, TestCredentials.AdminAuthorization, body);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var error = json.RootElement.GetProperty("errors")[0];
            Assert.Equal("DENIED", error.GetProperty("code").GetString());
            Assert.Equal("The system is in read only mode. Any modification is prohibited.", error.GetProperty("message").GetString());
        }

        using (var push = await _server.Client.PushBlobAsync("team/frozen", other.Blobs.First()))
        {
            Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        }

        // Reads, tokens and ping go on.
        using (var manifest = new HttpRequestMessage(HttpMethod.Get, "/v2/team/frozen/manifests/v1"))
        {
            manifest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(image.Manifest.MediaType));
            using var response = await _server.Client.SendAsync(manifest);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var blob = await _server.Client.GetAsync($"/v2/team/frozen/blobs/{image.Blobs.First().Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
        }

        foreach (var path in new[] { "/api/v2.0/projects", "/api/v2.0/ping", "/service/token?service=harbor-registry&scope=repository:team/frozen:pull" })
        {
            using var response = await _server.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // GC refuses to delete, a dry run still reports.
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var gc = scope.ServiceProvider.GetRequiredService<GcService>();
            await Assert.ThrowsAsync<ReadOnlyModeException>(() => gc.RunAsync(new GcParameters { DryRun = false }, _ => { }, null, CancellationToken.None));
            await gc.RunAsync(new GcParameters { DryRun = true }, _ => { }, null, CancellationToken.None);
        }

        using (var off = await PutAsync("""{"read_only":false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        await _server.Client.PushImageAsync("team/frozen", other, "v2");
    }

    [Fact]
    public async Task Admin_only_project_creation_keeps_users_from_creating_projects()
    {
        using (var set = await PutAsync("""{"project_creation_restriction":"adminonly"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using (var byUser = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", Dora, """{"project_name":"doras"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byUser.StatusCode);
        }

        using (var byAdmin = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization, """{"project_name":"admins"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        }

        using var info = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/systeminfo", Dora);
        using var json = JsonDocument.Parse(await info.Content.ReadAsStringAsync());
        Assert.Equal("adminonly", json.RootElement.GetProperty("project_creation_restriction").GetString());
    }

    [Fact]
    public async Task Token_expiration_and_robot_duration_take_effect()
    {
        using (var set = await PutAsync("""{"token_expiration":5,"robot_token_duration":7,"session_timeout":15}"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using (var token = await _server.Client.GetAsync("/service/token?service=harbor-registry&scope=repository:team/x:pull"))
        {
            using var json = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
            Assert.Equal(300, json.RootElement.GetProperty("expires_in").GetInt32());
        }

        using (var robot = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization, """
            {"name":"week","level":"project","permissions":[{"kind":"project","namespace":"team","access":[{"resource":"repository","action":"pull"}]}]}
            """))
        {
            using var json = JsonDocument.Parse(await robot.Content.ReadAsStringAsync());
            var expires = json.RootElement.GetProperty("expires_at").GetInt64();
            Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (7 * 86_400) - 120, (7 * 86_400) + 5);
        }

        var settings = await GetAsync();
        Assert.Equal(5, settings.GetProperty("token_expiration").GetProperty("value").GetInt64());
        Assert.Equal(15, settings.GetProperty("session_timeout").GetProperty("value").GetInt64());
    }
}
