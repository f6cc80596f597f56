using System.Net;
using System.Text.Json;
using Berth.Auth;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Auth;

public sealed class RbacAndSystemTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(AuthTestData.Settings());

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(ProjectRole.ProjectAdmin, "delete,pull,push")]
    [InlineData(ProjectRole.Maintainer, "delete,pull,push")]
    [InlineData(ProjectRole.Developer, "pull,push")]
    [InlineData(ProjectRole.Guest, "pull")]
    [InlineData(ProjectRole.LimitedGuest, "pull")]
    public async Task Harbors_roles_and_their_repository_actions(ProjectRole role, string expected)
    {
        var project = await AuthTestData.AddProjectAsync(_server, $"p{(int)role}", isPublic: false);
        var user = await AuthTestData.AddUserAsync(_server, $"u{(int)role}", "password");
        await AuthTestData.AddMemberAsync(_server, project, user, role);
        await using var scope = _server.Services.CreateAsyncScope();
        var rbac = scope.ServiceProvider.GetRequiredService<RbacEvaluator>();
        var actions = await rbac.RepositoryActionsAsync(new Subject(SubjectKind.User, user, $"u{(int)role}", false), $"p{(int)role}", CancellationToken.None);
        Assert.Equal(expected, string.Join(",", actions.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Public_private_unknown_and_administrators()
    {
        await AuthTestData.AddProjectAsync(_server, "closed", isPublic: false);
        var outsider = await AuthTestData.AddUserAsync(_server, "outsider", "password");
        await using var scope = _server.Services.CreateAsyncScope();
        var rbac = scope.ServiceProvider.GetRequiredService<RbacEvaluator>();
        var stranger = new Subject(SubjectKind.User, outsider, "outsider", false);
        var admin = new Subject(SubjectKind.User, 1, "admin", true);

        Assert.Equal(["pull"], await rbac.RepositoryActionsAsync(Subject.Anonymous, "library", CancellationToken.None));
        Assert.Equal(["pull"], await rbac.RepositoryActionsAsync(stranger, "library", CancellationToken.None));
        Assert.Empty(await rbac.RepositoryActionsAsync(Subject.Anonymous, "closed", CancellationToken.None));
        Assert.Empty(await rbac.RepositoryActionsAsync(stranger, "closed", CancellationToken.None));
        Assert.Equal(3, (await rbac.RepositoryActionsAsync(admin, "closed", CancellationToken.None)).Count);
        // Nobody pushes into a project that does not exist, administrators included.
        Assert.Empty(await rbac.RepositoryActionsAsync(admin, "nowhere", CancellationToken.None));
    }

    [Theory]
    [InlineData(ProjectRole.ProjectAdmin, "create,delete,list,operate,read,update")]
    [InlineData(ProjectRole.Maintainer, "create,delete,list,operate,read,update")]
    [InlineData(ProjectRole.Developer, "create,delete,list,operate,read,update")]
    [InlineData(ProjectRole.Guest, "")]
    [InlineData(ProjectRole.LimitedGuest, "")]
    public async Task Harbors_roles_and_their_tag_retention_actions(ProjectRole role, string expected)
    {
        var project = await AuthTestData.AddProjectAsync(_server, $"tr{(int)role}", isPublic: true);
        var user = await AuthTestData.AddUserAsync(_server, $"tr-u{(int)role}", "password");
        await AuthTestData.AddMemberAsync(_server, project, user, role);
        await using var scope = _server.Services.CreateAsyncScope();
        var rbac = scope.ServiceProvider.GetRequiredService<RbacEvaluator>();
        var actions = await ActionsAsync(rbac, new Subject(SubjectKind.User, user, $"tr-u{(int)role}", false), project, Rbac.TagRetention);
        Assert.Equal(expected, string.Join(",", actions.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Tag_retention_is_not_for_strangers_of_a_public_project_nor_in_a_project_that_does_not_exist()
    {
        var open = await AuthTestData.AddProjectAsync(_server, "open-retention", isPublic: true);
        var outsider = await AuthTestData.AddUserAsync(_server, "tr-outsider", "password");
        await using var scope = _server.Services.CreateAsyncScope();
        var rbac = scope.ServiceProvider.GetRequiredService<RbacEvaluator>();
        var admin = new Subject(SubjectKind.User, 1, "admin", true);
        Assert.Empty(await ActionsAsync(rbac, Subject.Anonymous, open, Rbac.TagRetention));
        Assert.Empty(await ActionsAsync(rbac, new Subject(SubjectKind.User, outsider, "tr-outsider", false), open, Rbac.TagRetention));
        Assert.Equal(6, (await ActionsAsync(rbac, admin, open, Rbac.TagRetention)).Count);
        Assert.Empty(await ActionsAsync(rbac, admin, 987654, Rbac.TagRetention));
        Assert.Empty(await ActionsAsync(rbac, admin, open, "no-such-resource"));
    }

    private static async Task<List<string>> ActionsAsync(RbacEvaluator rbac, Subject subject, long project, string resource) =>
        (await rbac.ProjectAsync(subject, project, CancellationToken.None))?.Permissions.Where(p => p.Resource == resource).Select(p => p.Action).ToList() ?? [];

    [Fact]
    public async Task The_first_start_creates_admin_and_a_public_library()
    {
        await using var db = DataDirectory.Open(_server.DataDirectory);
        var admin = db.Users.Single(u => u.Username == "admin");
        Assert.True(admin.SysAdmin);
        Assert.DoesNotContain(AuthTestData.AdminPassword, admin.PasswordHash, StringComparison.Ordinal);
        Assert.True(Passwords.Verify(admin.PasswordHash, AuthTestData.AdminPassword));
        Assert.True(db.Projects.Single(p => p.Name == "library").Public);
        Assert.Single(db.SigningKeys);
    }

    [Fact]
    public async Task Ping_systeminfo_and_health_answer_as_harbor_does()
    {
        using var ping = await _server.Client.GetAsync("/api/v2.0/ping");
        Assert.Equal("Pong", await ping.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", ping.Content.Headers.ContentType!.MediaType);

        using var info = JsonDocument.Parse(await _server.Anonymous.GetStringAsync("/api/v2.0/systeminfo"));
        Assert.Equal("db_auth", info.RootElement.GetProperty("auth_mode").GetString());
        Assert.Equal(JsonValueKind.False, info.RootElement.GetProperty("self_registration").ValueKind);
        Assert.Equal(JsonValueKind.False, info.RootElement.GetProperty("primary_auth_mode").ValueKind);

        Assert.False(info.RootElement.TryGetProperty("harbor_version", out _));
        using var signedIn = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/v2.0/systeminfo"));
        Assert.StartsWith("v2.", signedIn.RootElement.GetProperty("harbor_version").GetString(), StringComparison.Ordinal);
        Assert.Equal(_server.Address.ToString().TrimEnd('/'), signedIn.RootElement.GetProperty("external_url").GetString());
        Assert.Equal(_server.HostPort, signedIn.RootElement.GetProperty("registry_url").GetString());
        Assert.Equal(JsonValueKind.False, signedIn.RootElement.GetProperty("read_only").ValueKind);
        Assert.Equal("filesystem", signedIn.RootElement.GetProperty("registry_storage_provider_name").GetString());

        using var health = await _server.Client.GetAsync("/api/v2.0/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var status = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("healthy", status.RootElement.GetProperty("status").GetString());
        Assert.Equal(["core", "database", "registry"], status.RootElement.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }
}
