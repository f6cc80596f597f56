using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Users;

/// <summary>GET /users/search for everyone signed in, and GET /users with Harbor's q=, sort=, username and email.</summary>
public sealed class UserSearchTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private static readonly string Hal = TestCredentials.Basic("hal", "Passw0rdHal");

    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        foreach (var (name, email) in new[] { ("hal", "hal@example.com"), ("Harriet", "harriet@example.org"), ("hank", "hank@example.com"), ("ivy", "ivy@example.org") })
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, name, "Passw0rd" + char.ToUpperInvariant(name[0]) + name[1..]);
            using var profile = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/users/{await IdAsync(name)}", Admin,
                $$$"""{"email":"{{{email}}}","realname":"{{{name}}}"}""");
            Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        }
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<long> IdAsync(string name)
    {
        await using var db = DataDirectory.Open(_server.DataDirectory);
        return db.Users.Single(u => u.Username == name).Id;
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path, string? authorization)
    {
        var response = await _server.SendAsync(HttpMethod.Get, path, authorization);
        return (response, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<string[]> NamesAsync(string path)
    {
        var (response, body) = await GetAsync(path, Admin);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        response.Dispose();
        return body.EnumerateArray().Select(u => u.GetProperty("username").GetString()!).ToArray();
    }

    [Fact]
    public async Task Anyone_signed_in_finds_users_by_part_of_their_name_and_sees_only_id_and_name()
    {
        var (response, body) = await GetAsync("/api/v2.0/users/search?username=HA&page_size=2", Hal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", response.Headers.GetValues("X-Total-Count").Single());
        Assert.Contains("rel=\"next\"", response.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Equal(["Harriet", "hal"], body.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        Assert.All(body.EnumerateArray(), u =>
        {
            Assert.Equal(["user_id", "username"], u.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(JsonValueKind.Number, u.GetProperty("user_id").ValueKind);
        });
        response.Dispose();

        var (second, secondBody) = await GetAsync("/api/v2.0/users/search?username=HA&page=2&page_size=2", Hal);
        Assert.Equal(["hank"], secondBody.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        second.Dispose();

        using var anonymous = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/search?username=ha", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var (missing, error) = await GetAsync("/api/v2.0/users/search", Hal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("BAD_REQUEST", error.GetProperty("errors")[0].GetProperty("code").GetString());
        missing.Dispose();
    }

    [Fact]
    public async Task The_list_takes_q_sort_and_the_username_and_email_filters()
    {
        Assert.Equal(["Harriet", "admin", "hal", "hank", "ivy"], await NamesAsync("/api/v2.0/users"));
        Assert.Equal(["ivy", "hank", "hal", "admin", "Harriet"], await NamesAsync("/api/v2.0/users?sort=-username"));
        Assert.Equal(["Harriet", "hal", "hank"], await NamesAsync("/api/v2.0/users?q=username%3D~ha"));
        Assert.Equal(["Harriet", "ivy"], await NamesAsync("/api/v2.0/users?q=email%3D~.org"));
        Assert.Equal(["hal"], await NamesAsync("/api/v2.0/users?q=email%3Dhal@example.com"));
        Assert.Equal(["Harriet", "ivy"], await NamesAsync("/api/v2.0/users?email=example.org"));
        Assert.Equal(["hank"], await NamesAsync("/api/v2.0/users?q=username%3Dhal&username=nk"));
        Assert.Equal(["admin"], await NamesAsync("/api/v2.0/users?q=sysadmin_flag%3Dtrue"));
        Assert.Equal(["hal", "hank"], await NamesAsync("/api/v2.0/users?q=username%3D%7Bhal%20hank%7D"));
        Assert.Equal(["Harriet", "admin", "hal", "hank", "ivy"], await NamesAsync("/api/v2.0/users?q=creation_time%3D%5B2000-01-01T00:00:00~%5D"));

        // The password is not queryable: the key is ignored, so nothing about any hash can be learnt from the answer.
        Assert.Equal(await NamesAsync("/api/v2.0/users"), await NamesAsync("/api/v2.0/users?q=password%3D~AQAAAA&sort=password"));

        foreach (var bad in new[] { "q=username", "q=user_id%3Dme", "q=username%3D%5Ba~b%5D", "q=sysadmin_flag%3D%7Bx%7D", "page_size=0" })
        {
            var (response, body) = await GetAsync("/api/v2.0/users?" + bad, Admin);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, bad);
            Assert.Equal("BAD_REQUEST", body.GetProperty("errors")[0].GetProperty("code").GetString());
            response.Dispose();
        }
    }
}
