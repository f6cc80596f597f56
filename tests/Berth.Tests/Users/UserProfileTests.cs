using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Users;

/// <summary>PUT /users/{id} (Harbor's UserProfile) and PUT /users/{id}/password: who may, what changes, what is refused.</summary>
public sealed class UserProfileTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Fay = TestCredentials.Basic("fay", "Passw0rdFay");
    private static readonly string Gus = TestCredentials.Basic("gus", "Passw0rdGus");

    private BerthServer _server = null!;
    private long _fay;
    private long _gus;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        _fay = await TestCredentials.AddUserAsync(_server.DataDirectory, "fay", "Passw0rdFay");
        _gus = await TestCredentials.AddUserAsync(_server.DataDirectory, "gus", "Passw0rdGus");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpStatusCode> PutAsync(string path, string? authorization, string body)
    {
        using var response = await _server.SendAsync(HttpMethod.Put, path, authorization, body);
        if ((int)response.StatusCode >= 400)
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("errors")[0].GetProperty("code").ValueKind);
        }

        return response.StatusCode;
    }

    private async Task<JsonElement> UserAsync(long id)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, $"/api/v2.0/users/{id}", Admin);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task A_user_changes_their_profile_and_nothing_else()
    {
        Assert.Equal(HttpStatusCode.OK, await PutAsync($"/api/v2.0/users/{_fay}", Fay,
            """{"email":"fay@example.com","realname":"Fay Li","comment":"ops","username":"root","password":"Hijack3d!","sysadmin_flag":true,"user_id":1}"""));
        var fay = await UserAsync(_fay);
        Assert.Equal("fay@example.com", fay.GetProperty("email").GetString());
        Assert.Equal("Fay Li", fay.GetProperty("realname").GetString());
        Assert.Equal("ops", fay.GetProperty("comment").GetString());
        Assert.Equal("fay", fay.GetProperty("username").GetString());
        Assert.False(fay.GetProperty("sysadmin_flag").GetBoolean());
        using var stillSignsIn = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current", Fay);
        Assert.Equal(HttpStatusCode.OK, stillSignsIn.StatusCode);
        Assert.Equal("admin", (await UserAsync(1)).GetProperty("username").GetString());

        // Someone else's profile is the administrator's to change, and unknown accounts are 404 to them.
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync($"/api/v2.0/users/{_fay}", Gus, """{"email":"gus@example.com","realname":"Gus"}"""));
        Assert.Equal(HttpStatusCode.OK, await PutAsync($"/api/v2.0/users/{_gus}", Admin, """{"email":"gus@example.com","realname":"Gus"}"""));
        Assert.Equal("gus@example.com", (await UserAsync(_gus)).GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await PutAsync("/api/v2.0/users/999999", Admin, """{"email":"x@example.com","realname":"X"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync($"/api/v2.0/users/{_fay}", null, """{"email":"x@example.com","realname":"X"}"""));

        // An email belongs to one account.
        Assert.Equal(HttpStatusCode.Conflict, await PutAsync($"/api/v2.0/users/{_gus}", Gus, """{"email":"fay@example.com","realname":"Gus"}"""));
    }

    [Theory]
    [InlineData("""{"realname":"Fay"}""")]
    [InlineData("""{"email":"","realname":"Fay"}""")]
    [InlineData("""{"email":"not-an-email","realname":"Fay"}""")]
    [InlineData("""{"email":"fay@localhost","realname":"Fay"}""")]
    [InlineData("""{"email":"fay@example.com"}""")]
    [InlineData("""{"email":"fay@example.com","realname":"Fay #1"}""")]
    [InlineData("""{"email":"fay@example.com","realname":"Fay","comment":"a comment longer than thirty chars"}""")]
    [InlineData("""{"email":42,"realname":"Fay"}""")]
    [InlineData("""[]""")]
    [InlineData("""nope""")]
    public async Task Bad_profiles_are_400(string body) =>
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync($"/api/v2.0/users/{_fay}", Fay, body));

    [Fact]
    public async Task Changing_a_password_takes_the_old_one_except_for_an_administrator_resetting_someone_else()
    {
        var path = $"/api/v2.0/users/{_fay}/password";
        using (var wrong = await _server.SendAsync(HttpMethod.Put, path, Fay, """{"old_password":"Wrong0ne","new_password":"N3wPassword"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
            Assert.Contains("Current password is incorrect", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(path, Fay, """{"new_password":"N3wPassword"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync(path, Fay, """{"old_password":"Passw0rdFay","new_password":"Passw0rdFay"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync(path, Fay, """{"old_password":"Passw0rdFay","new_password":"short"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(path, Gus, """{"old_password":"Passw0rdFay","new_password":"N3wPassword"}"""));

        Assert.Equal(HttpStatusCode.OK, await PutAsync(path, Admin, """{"new_password":"Res3tByAdmin"}"""));
        using var signedIn = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current", TestCredentials.Basic("fay", "Res3tByAdmin"));
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync(path, Admin, """{"new_password":"Res3tByAdmin"}"""));

        // An administrator changing their own password is a user like any other.
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync("/api/v2.0/users/1/password", Admin, """{"new_password":"N3wAdminPass"}"""));
        Assert.Equal(HttpStatusCode.NotFound, await PutAsync("/api/v2.0/users/999999/password", Admin, """{"new_password":"N3wAdminPass"}"""));
    }
}
