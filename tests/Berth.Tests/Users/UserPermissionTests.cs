using System.Net;
using System.Text.Json;
using Berth.Auth;
using Berth.Data.Entities;
using Berth.Testing;

namespace Berth.Tests.Users;

/// <summary>GET /users/current/permissions: what the RBAC evaluator grants in a project or system scope, absolute or relative.</summary>
public sealed class UserPermissionTests : IAsyncLifetime
{
    private static readonly string Dev = TestCredentials.Basic("dev", "Passw0rdDev");
    private static readonly string Outsider = TestCredentials.Basic("outsider", "Passw0rdOut");
    private static readonly string Admin = TestCredentials.AdminAuthorization;

    private BerthServer _server = null!;
    private long _private;
    private long _public;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, "dev", "Passw0rdDev", "team", ProjectRole.Developer);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "outsider", "Passw0rdOut");
        await using var db = DataDirectory.Open(_server.DataDirectory);
        _private = db.Projects.Single(p => p.Name == "team").Id;
        _public = db.Projects.Single(p => p.Name == "library").Id;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<HashSet<(string Resource, string Action)>> PermissionsAsync(string? authorization, string query)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current/permissions" + query, authorization);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        var list = json.RootElement.EnumerateArray().Select(p => (p.GetProperty("resource").GetString()!, p.GetProperty("action").GetString()!)).ToList();
        Assert.Equal(list.Count, list.Distinct().Count());
        return list.ToHashSet();
    }

    [Fact]
    public async Task A_developer_holds_the_developer_policies_of_their_project()
    {
        var root = $"/project/{_private}";
        var granted = await PermissionsAsync(Dev, $"?scope={root}");
        Assert.Contains(($"{root}/repository", "push"), granted);
        Assert.Contains(($"{root}/repository", "pull"), granted);
        Assert.Contains((root, "read"), granted);
        Assert.DoesNotContain(($"{root}/repository", "delete"), granted);
        Assert.DoesNotContain(($"{root}/member", "create"), granted);
        Assert.DoesNotContain((root, "delete"), granted);
        Assert.Equal(RbacPolicies.ForRole(ProjectRole.Developer).Count, granted.Count);

        var relative = await PermissionsAsync(Dev, $"?scope={root}&relative=true");
        Assert.Contains(("repository", "push"), relative);
        Assert.Contains((".", "read"), relative);
        Assert.Equal(granted.Count, relative.Count);
    }

    [Fact]
    public async Task Others_get_the_public_project_policies_or_nothing()
    {
        var publicGrants = await PermissionsAsync(Outsider, $"?scope=/project/{_public}&relative=true");
        Assert.Equal(RbacPolicies.PublicProject.Select(p => (p.Resource.Length == 0 ? "." : p.Resource, p.Action)).ToHashSet(), publicGrants);
        Assert.Empty(await PermissionsAsync(Outsider, $"?scope=/project/{_private}"));
        Assert.Empty(await PermissionsAsync(Dev, "?scope=/project/999999"));
        Assert.Empty(await PermissionsAsync(Dev, "?scope=/project/abc"));
        Assert.Empty(await PermissionsAsync(Dev, "?scope=/nowhere"));
        Assert.Empty(await PermissionsAsync(Dev, ""));
    }

    [Fact]
    public async Task System_permissions_are_the_administrators()
    {
        var admin = await PermissionsAsync(Admin, "?scope=/system");
        Assert.Contains(("/system/user", "list"), admin);
        Assert.Contains(("/system/project", "create"), admin);
        Assert.Equal(RbacPolicies.SystemLevel.Count, admin.Count);
        Assert.Contains(("user", "create"), await PermissionsAsync(Admin, "?scope=/system&relative=true"));
        Assert.Empty(await PermissionsAsync(Dev, "?scope=/system"));

        // An administrator holds every permission in every project, member or not.
        Assert.Equal(RbacPolicies.ProjectNamespace.Count, (await PermissionsAsync(Admin, $"?scope=/project/{_private}")).Count);
    }

    [Fact]
    public async Task Anonymous_callers_and_bad_flags_are_refused_in_harbors_shape()
    {
        using var anonymous = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current/permissions?scope=/system", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var bad = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/users/current/permissions?scope=/system&relative=maybe", Dev);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var json = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Equal("BAD_REQUEST", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }
}
