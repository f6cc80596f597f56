using System.Net;
using System.Text;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Auth;

/// <summary>
/// Every route times every kind of caller against one table of who may. A route the table does not list fails the test,
/// so every new endpoint has to join it. "Allowed" means the request got past authorization: anything but 401 and 403.
/// </summary>
/// <remarks>Robot accounts join the subjects when they exist.</remarks>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private const string Anonymous = "anonymous";
    private const string Outsider = "outsider";
    private const string Admin = "sysadmin";
    private static readonly string[] Roles = ["projectAdmin", "developer", "guest", "maintainer", "limitedGuest"];
    private static readonly string[] Subjects = [Anonymous, Outsider, .. Roles, Admin];

    private static readonly string[] Everyone = Subjects;
    private static readonly string[] SignedIn = [Outsider, .. Roles, Admin];
    private static readonly string[] Members = [.. Roles, Admin];
    private static readonly string[] Pushers = ["projectAdmin", "developer", "maintainer", Admin];
    private static readonly string[] Deleters = ["projectAdmin", "maintainer", Admin];
    private static readonly string[] ProjectAdmins = ["projectAdmin", Admin];
    private static readonly string[] MemberReaders = ["projectAdmin", "developer", "guest", "maintainer", Admin];
    private static readonly string[] SysAdmins = [Admin];

    private BerthServer _server = null!;
    private string _digest = "";
    private long _adminId;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync();
        await TestCredentials.AddUserAsync(_server.DataDirectory, Outsider, "Passw0rd!" + Outsider);
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            db.Projects.Add(new Project { Name = "mx", Public = false, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            _adminId = db.Users.Single(u => u.Username == "admin").Id;
        }

        for (var i = 0; i < Roles.Length; i++)
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, Roles[i], "Passw0rd!" + Roles[i], "mx", Enum.Parse<ProjectRole>(Roles[i], ignoreCase: true));
        }

        var image = TestImage.Create().WithLayer(100).Build();
        await _server.Client.PushImageAsync("mx/app", image, "v1");
        _digest = image.Manifest.Digest;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private sealed record Case(string Method, string Pattern, string Path, string[] Allowed, string? Body = null);

    private List<Case> Table()
    {
        var blob = $"/v2/mx/app/blobs/{_digest}";
        var upload = "/v2/mx/app/blobs/uploads/00000000-0000-0000-0000-000000000000";
        return
        [
            new("GET", "/v2", "/v2/", SignedIn),
            new("GET", "/v2/{**path}", "/v2/_catalog", SysAdmins),
            new("GET", "/v2/{**path}", "/v2/mx/app/tags/list", Members),
            new("GET", "/v2/{**path}", "/v2/mx/app/manifests/v1", Members),
            new("HEAD", "/v2/{**path}", "/v2/mx/app/manifests/v1", Members),
            new("GET", "/v2/{**path}", blob, Members),
            new("HEAD", "/v2/{**path}", blob, Members),
            new("GET", "/v2/{**path}", $"/v2/mx/app/referrers/{_digest}", Members),
            new("POST", "/v2/{**path}", "/v2/mx/app/blobs/uploads/", Pushers),
            new("PATCH", "/v2/{**path}", upload, Pushers),
            new("PUT", "/v2/{**path}", upload, Pushers),
            new("GET", "/v2/{**path}", upload, Pushers),
            new("DELETE", "/v2/{**path}", upload, Pushers),
            new("PUT", "/v2/{**path}", "/v2/mx/app/manifests/v2", Pushers, "{}"),
            new("DELETE", "/v2/{**path}", "/v2/mx/app/manifests/sha256:" + new string('0', 64), Deleters),
            new("DELETE", "/v2/{**path}", "/v2/mx/app/blobs/sha256:" + new string('0', 64), Deleters),
            new("GET", "/service/token", "/service/token?service=harbor-registry&scope=repository:mx/app:pull", Everyone),
            new("GET", "/api/v2.0/ping", "/api/v2.0/ping", Everyone),
            new("GET", "/api/version", "/api/version", Everyone),
            new("GET", "/api/v2.0/systeminfo", "/api/v2.0/systeminfo", Everyone),
            new("GET", "/api/v2.0/health", "/api/v2.0/health", Everyone),
            new("POST", "/api/v2.0/projects/", "/api/v2.0/projects", SignedIn, "{\"project_name\":\"Invalid Name\"}"),
            new("GET", "/api/v2.0/projects/", "/api/v2.0/projects", Everyone),
            new("HEAD", "/api/v2.0/projects/", "/api/v2.0/projects?project_name=mx", SignedIn),
            new("GET", "/api/v2.0/projects/{nameOrId}", "/api/v2.0/projects/mx", Members),
            new("PUT", "/api/v2.0/projects/{nameOrId}", "/api/v2.0/projects/mx", ProjectAdmins, "{}"),
            new("DELETE", "/api/v2.0/projects/{nameOrId}", "/api/v2.0/projects/mx", ProjectAdmins),
            new("GET", "/api/v2.0/projects/{nameOrId}/_deletable", "/api/v2.0/projects/mx/_deletable", ProjectAdmins),
            new("GET", "/api/v2.0/projects/{nameOrId}/summary", "/api/v2.0/projects/mx/summary", Members),
            new("GET", "/api/v2.0/projects/{nameOrId}/members/", "/api/v2.0/projects/mx/members", MemberReaders),
            new("POST", "/api/v2.0/projects/{nameOrId}/members/", "/api/v2.0/projects/mx/members", ProjectAdmins, "{\"role_id\":9}"),
            new("GET", "/api/v2.0/projects/{nameOrId}/members/{memberId:long}", "/api/v2.0/projects/mx/members/999999", MemberReaders),
            new("PUT", "/api/v2.0/projects/{nameOrId}/members/{memberId:long}", "/api/v2.0/projects/mx/members/999999", ProjectAdmins, "{\"role_id\":9}"),
            new("DELETE", "/api/v2.0/projects/{nameOrId}/members/{memberId:long}", "/api/v2.0/projects/mx/members/999999", ProjectAdmins),
            new("POST", "/api/v2.0/users/", "/api/v2.0/users", SysAdmins, "{}"),
            new("GET", "/api/v2.0/users/", "/api/v2.0/users", SysAdmins),
            new("GET", "/api/v2.0/users/current", "/api/v2.0/users/current", SignedIn),
            new("GET", "/api/v2.0/users/current/permissions", "/api/v2.0/users/current/permissions?scope=/project/1", SignedIn),
            new("GET", "/api/v2.0/users/search", "/api/v2.0/users/search?username=a", SignedIn),
            new("PUT", "/api/v2.0/users/{id:long}", "/api/v2.0/users/999999", SysAdmins, "{}"),
            new("GET", "/api/v2.0/users/{id:long}", $"/api/v2.0/users/{_adminId}", SysAdmins),
            new("PUT", "/api/v2.0/users/{id:long}/password", "/api/v2.0/users/999999/password", SysAdmins, "{}"),
            new("PUT", "/api/v2.0/users/{id:long}/sysadmin", "/api/v2.0/users/999999/sysadmin", SysAdmins, "{}"),
            new("DELETE", "/api/v2.0/users/{id:long}", "/api/v2.0/users/999999", SysAdmins),
            new("GET", "/api/v2.0/system/gc/", "/api/v2.0/system/gc", SysAdmins),
            new("GET", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins),
            new("POST", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins, "{}"),
            new("PUT", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins, "{}"),
            new("GET", "/api/v2.0/system/gc/{id:long}", "/api/v2.0/system/gc/999999", SysAdmins),
            new("PUT", "/api/v2.0/system/gc/{id:long}", "/api/v2.0/system/gc/999999", SysAdmins),
            new("GET", "/api/v2.0/system/gc/{id:long}/log", "/api/v2.0/system/gc/999999/log", SysAdmins),
        ];
    }

    private static string? Authorization(string subject) => subject switch
    {
        Anonymous => null,
        Admin => TestCredentials.AdminAuthorization,
        _ => TestCredentials.Basic(subject, "Passw0rd!" + subject),
    };

    [Fact]
    public void Every_route_is_in_the_table()
    {
        var table = Table().Select(c => $"{c.Method} {Normalize(c.Pattern)}").ToHashSet(StringComparer.Ordinal);
        var routes = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(routes.Except(table).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_route_allows_exactly_whom_the_table_says()
    {
        var mismatches = new List<string>();
        foreach (var route in Table())
        {
            foreach (var subject in Subjects)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
                if (route.Body is not null)
                {
                    request.Content = new StringContent(route.Body, Encoding.UTF8, "application/json");
                }

                if (Authorization(subject) is { } authorization)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await _server.Anonymous.SendAsync(request);
                var allowed = response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
                var expected = route.Allowed.Contains(subject);
                var refusal = subject == Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if (allowed != expected || (!expected && response.StatusCode != refusal && !(route.Path.StartsWith("/v2", StringComparison.Ordinal))))
                {
                    mismatches.Add($"{route.Method} {route.Path} as {subject}: {(int)response.StatusCode}, expected {(expected ? "allowed" : refusal.ToString())}");
                }
            }
        }

        Assert.Empty(mismatches);
    }

    private static string Normalize(string pattern) => pattern.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/";
}
