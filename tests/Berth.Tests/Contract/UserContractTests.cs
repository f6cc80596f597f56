using System.Net;
using Berth.Data.Entities;
using Berth.Testing;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>Every /api/v2.0/users operation: status, headers and body as Harbor's swagger defines them.</summary>
public sealed class UserContractTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Kim = TestCredentials.Basic("kim", "Passw0rdKim");
    private static readonly string Lou = TestCredentials.Basic("lou", "Passw0rdLou");

    private BerthServer _server = null!;
    private long _lou;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        _lou = await TestCredentials.AddUserAsync(_server.DataDirectory, "lou", "Passw0rdLou", "team", ProjectRole.Guest);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? body = null) =>
        _server.SendAsync(method, path, authorization, body);

    [Fact]
    public async Task Every_operation_answers_in_harbors_shape()
    {
        using (var created = await SendAsync(HttpMethod.Post, "/api/v2.0/users", Admin,
            """{"username":"kim","email":"kim@example.com","realname":"Kim","password":"Passw0rdKim","comment":"c"}"""))
        {
            AssertCreated(created, "/api/v2.0/users/[0-9]+");
            Assert.Equal("", await created.Content.ReadAsStringAsync());
        }

        using var current = await SendAsync(HttpMethod.Get, "/api/v2.0/users/current", Kim);
        var kim = await AssertObjectAsync(current, "UserResp");
        var id = kim.GetProperty("user_id").GetInt64();
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/users/{id}", Kim), "UserResp");
        await AssertObjectAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/users/{id}", Admin), "UserResp");

        // Three accounts (admin, kim, lou): one per page, so page 2 links both ways.
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/users?page=2&page_size=1", Admin), "UserResp", 3, "prev", "next");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/users?q=username%3D~k&sort=-creation_time", Admin), "UserResp", 1);
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/users/search?username=i&page_size=1", Kim), "UserSearchRespItem", 2, "next");

        var permissions = await AssertListOfAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/users/current/permissions?scope=/project/1", Lou), "Permission");
        Assert.NotEqual(0, permissions.GetArrayLength());
        await AssertListOfAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/users/current/permissions?scope=/system&relative=true", Admin), "Permission");

        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}", Kim, """{"email":"kim@example.org","realname":"Kim K","comment":""}"""));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/password", Kim, """{"old_password":"Passw0rdKim","new_password":"N3wPasswordKim"}"""));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, $"/api/v2.0/users/{id}/sysadmin", Admin, """{"sysadmin_flag":true}"""));
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, $"/api/v2.0/users/{id}", Admin));
    }

    [Fact]
    public async Task Every_operation_refuses_bad_input_in_harbors_shape()
    {
        var cases = new (HttpMethod Method, string Path, string? Authorization, string? Body, HttpStatusCode Status)[]
        {
            (HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"x"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Post, "/api/v2.0/users", Admin, """{"username":"lou","password":"Passw0rdLou"}""", HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/v2.0/users", Lou, """{"username":"y","password":"Passw0rdYy"}""", HttpStatusCode.Forbidden),
            (HttpMethod.Post, "/api/v2.0/users", null, """{"username":"y","password":"Passw0rdYy"}""", HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/users?q=username", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/users?page=x", Admin, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/users", Lou, null, HttpStatusCode.Forbidden),
            (HttpMethod.Get, "/api/v2.0/users/current", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/users/current", TestCredentials.Basic("lou", "wrong"), null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/users/search", Lou, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/users/search?username=a&page_size=-1", Lou, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/users/search?username=a", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/users/current/permissions?relative=sometimes", Lou, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v2.0/users/current/permissions", null, null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v2.0/users/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Get, "/api/v2.0/users/1", Lou, null, HttpStatusCode.Forbidden),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}", Lou, """{"email":"bad","realname":"Lou"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}", Lou, """{"email":""", HttpStatusCode.BadRequest),
            (HttpMethod.Put, "/api/v2.0/users/1", Lou, """{"email":"a@example.com","realname":"A"}""", HttpStatusCode.Forbidden),
            (HttpMethod.Put, "/api/v2.0/users/999999", Admin, """{"email":"a@example.com","realname":"A"}""", HttpStatusCode.NotFound),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}/password", Lou, """{"old_password":"nope","new_password":"N3wPassword"}""", HttpStatusCode.Forbidden),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}/password", Lou, """{"old_password":"Passw0rdLou","new_password":"weak"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Put, "/api/v2.0/users/999999/password", Admin, """{"new_password":"N3wPassword"}""", HttpStatusCode.NotFound),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}/sysadmin", Admin, """{"sysadmin_flag":"yes"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Put, $"/api/v2.0/users/{_lou}/sysadmin", Lou, """{"sysadmin_flag":true}""", HttpStatusCode.Forbidden),
            (HttpMethod.Put, "/api/v2.0/users/999999/sysadmin", Admin, """{"sysadmin_flag":true}""", HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/v2.0/users/999999", Admin, null, HttpStatusCode.NotFound),
            (HttpMethod.Delete, "/api/v2.0/users/1", Admin, null, HttpStatusCode.Forbidden),
            (HttpMethod.Delete, $"/api/v2.0/users/{_lou}", Lou, null, HttpStatusCode.Forbidden),
        };
        foreach (var (method, path, authorization, body, status) in cases)
        {
            using var response = await SendAsync(method, path, authorization, body);
            await AssertErrorAsync(response, status);
        }
    }
}
