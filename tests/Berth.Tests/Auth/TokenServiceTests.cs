using System.Net;
using System.Text.Json;
using Berth.Auth;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Auth;

/// <summary>/service/token: who gets what, on the real server.</summary>
public sealed class TokenServiceTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(AuthTestData.Settings(new() { ["Auth:LockoutDuration"] = "00:00:02", ["Auth:FailureDelay"] = "00:00:00.001" }));
        var alice = await AuthTestData.AddUserAsync(_server, "alice", "alice-password");
        var bob = await AuthTestData.AddUserAsync(_server, "bob", "bob-password");
        var team = await AuthTestData.AddProjectAsync(_server, "squad", isPublic: false);
        await AuthTestData.AddMemberAsync(_server, team, alice, ProjectRole.Developer);
        await AuthTestData.AddMemberAsync(_server, team, bob, ProjectRole.Guest);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, ValidatedToken? Token, string Body)> RequestAsync(string query, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/service/token?" + query);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _server.Anonymous.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null, body);
        }

        using var json = JsonDocument.Parse(body);
        Assert.Equal(1800, json.RootElement.GetProperty("expires_in").GetInt32());
        Assert.True(DateTime.TryParse(json.RootElement.GetProperty("issued_at").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        var token = json.RootElement.GetProperty("token").GetString()!;
        Assert.Equal(token, json.RootElement.GetProperty("access_token").GetString());
        var validated = await _server.Services.GetRequiredService<TokenService>().ValidateAsync(token, CancellationToken.None);
        return (response.StatusCode, validated, body);
    }

    private const string Service = "service=harbor-registry";

    [Fact]
    public async Task Grants_are_the_intersection_of_the_request_and_rbac()
    {
        var admin = AuthTestData.Basic("admin", AuthTestData.AdminPassword);
        var (_, token, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull,push,delete", admin);
        Assert.Equal(["delete", "pull", "push"], token!.RepositoryActions("squad/app").Order());
        Assert.Equal("admin", token.Subject);

        (_, token, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull,push,delete", AuthTestData.Basic("alice", "alice-password"));
        Assert.Equal(["pull", "push"], token!.RepositoryActions("squad/app").Order());

        (_, token, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull,push", AuthTestData.Basic("bob", "bob-password"));
        Assert.Equal(["pull"], token!.RepositoryActions("squad/app"));

        (_, token, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull", AuthTestData.Basic("alice", "alice-password"));
        Assert.Equal(["pull"], token!.RepositoryActions("squad/app"));
    }

    [Fact]
    public async Task Anonymous_callers_pull_public_projects_only()
    {
        var (_, token, _) = await RequestAsync($"{Service}&scope=repository:library/app:pull,push&scope=repository:squad/app:pull");
        Assert.Equal(["pull"], token!.RepositoryActions("library/app"));
        Assert.Empty(token.RepositoryActions("squad/app"));
        Assert.Equal("", token.Subject);

        var (status, _, _) = await RequestAsync(Service);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Unknown_projects_and_malformed_scopes_grant_nothing()
    {
        var admin = AuthTestData.Basic("admin", AuthTestData.AdminPassword);
        var (_, token, _) = await RequestAsync(
            $"{Service}&scope=repository:nothing/app:pull,push&scope=repository:Bad/Name:pull&scope=garbage&scope=repository:noproject:pull", admin);
        Assert.Empty(token!.RepositoryActions("nothing/app"));
        Assert.Empty(token.RepositoryActions("Bad/Name"));
        Assert.Empty(token.RepositoryActions("noproject"));
    }

    [Fact]
    public async Task The_catalog_is_for_system_administrators()
    {
        var (_, token, _) = await RequestAsync($"{Service}&scope=registry:catalog:*", AuthTestData.Basic("admin", AuthTestData.AdminPassword));
        Assert.Contains(token!.Access, a => a.Type == "registry" && a.Name == "catalog" && a.Actions.SequenceEqual(["*"]));
        (_, token, _) = await RequestAsync($"{Service}&scope=registry:catalog:*", AuthTestData.Basic("alice", "alice-password"));
        Assert.Contains(token!.Access, a => a.Type == "registry" && a.Actions.Count == 0);
    }

    [Fact]
    public async Task Bad_credentials_and_a_wrong_service_are_refused()
    {
        var (status, _, body) = await RequestAsync($"{Service}&scope=repository:squad/app:pull", AuthTestData.Basic("alice", "wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("UNAUTHORIZED", body, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", body, StringComparison.Ordinal);

        (status, _, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull", AuthTestData.Basic("nobody", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        (status, _, _) = await RequestAsync($"{Service}&scope=repository:squad/app:pull", "Basic !!!not-base64");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        (status, _, _) = await RequestAsync("service=other&scope=repository:squad/app:pull");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_for_a_while()
    {
        await AuthTestData.AddUserAsync(_server, "carol", "carol-password");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await RequestAsync($"{Service}&scope=repository:library/a:pull", AuthTestData.Basic("carol", "guess" + i))).Status);
        }

        // Locked: even the right password is refused until the lock lapses.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RequestAsync($"{Service}&scope=repository:library/a:pull", AuthTestData.Basic("carol", "carol-password"))).Status);
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync($"{Service}&scope=repository:library/a:pull", AuthTestData.Basic("carol", "carol-password"))).Status);
    }
}
