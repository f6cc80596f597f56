using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Users;

/// <summary>/api/v2.0/users with Harbor's shapes: administrators manage accounts, users their own password.</summary>
public sealed class UserApiTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? json = null) =>
        _server.SendAsync(method, path, authorization, json);

    private static string Admin => TestCredentials.AdminAuthorization;

    [Fact]
    public async Task An_administrator_creates_a_user_who_signs_in_and_changes_the_password()
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin,
            """{"username":"dora","email":"dora@example.com","realname":"Dora","password":"Passw0rdDora","comment":"x","sysadmin_flag":true}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/users/[0-9]+$", location);

        var dora = TestCredentials.Basic("dora", "Passw0rdDora");
        using var current = await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", dora);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        var body = await current.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.Equal("dora", json.RootElement.GetProperty("username").GetString());
        Assert.False(json.RootElement.GetProperty("sysadmin_flag").GetBoolean());   // not settable by the request body
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("user_id").ValueKind);
        Assert.DoesNotContain("Passw0rd", body, StringComparison.Ordinal);
        Assert.DoesNotContain("AQAAAA", body, StringComparison.Ordinal);

        var id = json.RootElement.GetProperty("user_id").GetInt64();
        Assert.Equal(HttpStatusCode.Forbidden,
            (await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/password", dora, """{"old_password":"wrong","new_password":"N3wPassword"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/password", dora, """{"old_password":"Passw0rdDora","new_password":"weak"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/password", dora, """{"old_password":"Passw0rdDora","new_password":"N3wPassword"}""")).StatusCode);

        // The old password stops working at once, remembered logins included.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", dora)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", TestCredentials.Basic("dora", "N3wPassword"))).StatusCode);
    }

    [Theory]
    [InlineData("""{"username":"e1","password":"short1A"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"username":"e2","password":"nouppercase1"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"username":"","password":"Passw0rdOk"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"username":"robot$x","password":"Passw0rdOk"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"username":"admin","password":"Passw0rdOk"}""", HttpStatusCode.Conflict)]
    [InlineData("""[1,2]""", HttpStatusCode.BadRequest)]
    public async Task Bad_accounts_are_refused(string body, HttpStatusCode status)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, body);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains("\"errors\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_account_takes_no_email_another_account_has()
    {
        using var first = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"f1","password":"Passw0rdOk","email":"f@example.com"}""");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var twin = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"f2","password":"Passw0rdOk","email":"f@example.com"}""");
        Assert.Equal(HttpStatusCode.Conflict, twin.StatusCode);
        Assert.Contains("\"errors\"", await twin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var malformed = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"f3","password":"Passw0rdOk","email":"no at sign"}""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        // Neither refusal created an account; accounts without an e-mail address do not collide.
        using var list = await SendAsync(HttpMethod.Get, "/api/v2.0/users?q=username%3D~f", Admin);
        Assert.Equal("1", list.Headers.GetValues("X-Total-Count").Single());
        using var bare1 = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"g1","password":"Passw0rdOk"}""");
        using var bare2 = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"g2","password":"Passw0rdOk"}""");
        Assert.Equal(HttpStatusCode.Created, bare1.StatusCode);
        Assert.Equal(HttpStatusCode.Created, bare2.StatusCode);
    }

    [Fact]
    public async Task Only_administrators_manage_accounts()
    {
        await TestCredentials.AddUserAsync(_server.DataDirectory, "eve", "Passw0rdEve");
        var eve = TestCredentials.Basic("eve", "Passw0rdEve");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v2.0/users", eve, """{"username":"x","password":"Passw0rdXx"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v2.0/users", eve)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v2.0/users/1", eve)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v2.0/users", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", null)).StatusCode);

        using var list = await SendAsync(HttpMethod.Get, "/api/v2.0/users?username=ev", Admin);
        Assert.Equal("1", list.Headers.GetValues("X-Total-Count").Single());
        using var listJson = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        var id = listJson.RootElement[0].GetProperty("user_id").GetInt64();

        // Promoting takes effect at once; deleting ends the account.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/sysadmin", Admin, """{"sysadmin_flag":true}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v2.0/users", eve)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"/api/v2.0/users/{id}", Admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", eve)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v2.0/users/{id}", Admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, "/api/v2.0/users/1", Admin)).StatusCode);
    }
}
