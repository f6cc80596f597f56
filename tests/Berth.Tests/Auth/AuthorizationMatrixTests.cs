using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Auth;

/// <summary>
/// Every route times every kind of caller against one table of who may. A route the table does not list fails the test,
/// so every new endpoint has to join it. "Allowed" means the request got past authorization: anything but 401 and 403.
/// No route may answer any caller with a server error.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private const string Anonymous = "anonymous";
    private const string Outsider = "outsider";
    private const string Admin = "sysadmin";
    private static readonly string[] Roles = ["projectAdmin", "developer", "guest", "maintainer", "limitedGuest"];

    // Robots: pull only in mx; pull and push in mx; a system robot over mx and mx2 that may also list GC runs; and two
    // whose credentials are refused, one disabled and one expired.
    private const string RobotPull = "robotPull";
    private const string RobotPush = "robotPush";
    private const string RobotSystem = "robotSystem";
    private const string RobotDisabled = "robotDisabled";
    private const string RobotExpired = "robotExpired";
    private static readonly string[] Robots = [RobotPull, RobotPush, RobotSystem];
    private static readonly string[] Subjects = [Anonymous, Outsider, .. Roles, Admin, .. Robots, RobotDisabled, RobotExpired];

    /// <summary>Routes that never look at credentials.</summary>
    private static readonly string[] Everyone = Subjects;

    /// <summary>Anyone whose credentials, if any, are accepted.</summary>
    private static readonly string[] Accepted = [Anonymous, Outsider, .. Roles, Admin, .. Robots];
    private static readonly string[] SignedIn = [Outsider, .. Roles, Admin, .. Robots];
    private static readonly string[] Users = [Outsider, .. Roles, Admin];
    private static readonly string[] Pullers = [.. Roles, Admin, .. Robots];
    private static readonly string[] Members = [.. Roles, Admin];
    private static readonly string[] Pushers = ["projectAdmin", "developer", "maintainer", Admin, RobotPush, RobotSystem];
    private static readonly string[] Deleters = ["projectAdmin", "maintainer", Admin, RobotSystem];
    private static readonly string[] ProjectAdmins = ["projectAdmin", Admin];
    private static readonly string[] MemberReaders = ["projectAdmin", "developer", "guest", "maintainer", Admin];
    private static readonly string[] RobotReaders = ["projectAdmin", "developer", "guest", "maintainer", Admin];
    private static readonly string[] SysAdmins = [Admin];
    private static readonly string[] GcListers = [Admin, RobotSystem];

    // Harbor's repository, artifact and tag permissions by role; robots here hold only repository pull/push/delete grants.
    private static readonly string[] RepositoryUpdaters = ["projectAdmin", "developer", "maintainer", Admin];
    private static readonly string[] ArtifactDeleters = ["projectAdmin", "maintainer", Admin];
    private static readonly string[] TagCreators = ["projectAdmin", "developer", "maintainer", Admin];
    private static readonly string[] TagDeleters = ["projectAdmin", "maintainer", Admin];
    private static readonly string[] LabelReaders = ["projectAdmin", "developer", "guest", "maintainer", Admin];
    private static readonly string[] LabelManagers = ["projectAdmin", "maintainer", Admin];
    private static readonly string[] ArtifactLabellers = ["projectAdmin", "developer", "maintainer", Admin];

    // Harbor's notification-policy permission: project admins manage webhook policies, maintainers read and list them.
    private static readonly string[] WebhookReaders = ["projectAdmin", "maintainer", Admin];

    private readonly Dictionary<string, string> _robotAuthorizations = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _robotSecrets = [];
    private long _robotId;
    // Harbor's tag-retention permission: project admins, maintainers and developers (not guests).
    private static readonly string[] RetentionManagers = ["projectAdmin", "developer", "maintainer", Admin];
    // Harbor's immutable-tag permission: project admins and maintainers only (these robots hold no immutable-tag grant).
    private static readonly string[] ImmutableRuleManagers = ["projectAdmin", "maintainer", Admin];

    private BerthServer _server = null!;
    private string _digest = "";
    private long _adminId;
    private long _projectId;
    private long _policyId;
    private long _labelId;
    private long _webhookId;

    public async ValueTask InitializeAsync()
    {
        // Refused logins cost no wait here: the table sends hundreds of them.
        _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Auth:FailureDelay"] = "00:00:00" });
        await TestCredentials.AddUserAsync(_server.DataDirectory, Outsider, "Passw0rd!" + Outsider);
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            db.Projects.Add(new Project { Name = "mx", Public = false, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            db.Projects.Add(new Project { Name = "mx2", Public = false, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            _adminId = db.Users.Single(u => u.Username == "admin").Id;
            _projectId = db.Projects.Single(p => p.Name == "mx").Id;
        }

        for (var i = 0; i < Roles.Length; i++)
        {
            await TestCredentials.AddUserAsync(_server.DataDirectory, Roles[i], "Passw0rd!" + Roles[i], "mx", Enum.Parse<ProjectRole>(Roles[i], ignoreCase: true));
        }

        var image = TestImage.Create().WithLayer(100).Build();
        await _server.Client.PushImageAsync("mx/app", image, "v1");
        _digest = image.Manifest.Digest;
        using var policy = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/retentions", TestCredentials.AdminAuthorization, RetentionPolicy(""));
        _policyId = long.Parse(policy.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        using var label = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/labels", TestCredentials.AdminAuthorization,
            $$"""{"name":"mx-label","scope":"p","project_id":{{_projectId}}}""");
        _labelId = long.Parse(label.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        using var webhook = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects/mx/webhook/policies", TestCredentials.AdminAuthorization,
            WebhookPolicy("mx-hook"));
        _webhookId = long.Parse(webhook.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);

        await AddRobotAsync(RobotPull, "project", false, Project("mx", Repo("pull")));
        await AddRobotAsync(RobotPush, "project", false, Project("mx", Repo("pull"), Repo("push")));
        await AddRobotAsync(RobotSystem, "system", false, Project("mx", Repo("pull"), Repo("push"), Repo("delete")), Project("mx2", Repo("pull")),
            """{"kind":"system","namespace":"/","access":[{"resource":"garbage-collection","action":"list"}]}""");
        await AddRobotAsync(RobotDisabled, "project", true, Project("mx", Repo("pull"), Repo("push")));
        await AddRobotAsync(RobotExpired, "project", false, Project("mx", Repo("pull"), Repo("push")));
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var expiredName = "mx+" + RobotExpired.ToLowerInvariant();
            var expired = db.Robots.Single(r => r.Name == expiredName);
            expired.ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;

            // The server remembers accepted credentials, but a refused robot (disabled, expired) pays PBKDF2 on every
            // request: with the server's own hashes those two subjects were 28 of this test's 33 s alone, and several
            // minutes of a loaded test run. Hashes of one iteration verify the same way (TestCredentials.FastHash).
            foreach (var robot in db.Robots.Where(r => _robotSecrets.Keys.Contains(r.Id)))
            {
                robot.SecretHash = TestCredentials.FastHash(_robotSecrets[robot.Id]);
            }

            await db.SaveChangesAsync();
        }
    }

    private static string Repo(string action) => $$"""{"resource":"repository","action":"{{action}}"}""";

    private static string Project(string name, params string[] access) =>
        $$"""{"kind":"project","namespace":"{{name}}","access":[{{string.Join(",", access)}}]}""";

    private async Task AddRobotAsync(string subject, string level, bool disabled, params string[] permissions)
    {
        var body = $$"""{"name":"{{subject.ToLowerInvariant()}}","level":"{{level}}","disable":{{(disabled ? "true" : "false")}},"permissions":[{{string.Join(",", permissions)}}]}""";
        using var response = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var json = System.Text.Json.JsonDocument.Parse(text);
        _robotAuthorizations[subject] = TestCredentials.Basic(json.RootElement.GetProperty("name").GetString()!, json.RootElement.GetProperty("secret").GetString()!);
        _robotId = json.RootElement.GetProperty("id").GetInt64();
        _robotSecrets[_robotId] = json.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>A retention policy for mx in Harbor's shape, with <paramref name="template"/> as its rule's template.</summary>
    private string RetentionPolicy(string template) => new JsonObject
    {
        ["algorithm"] = "or",
        ["trigger"] = new JsonObject { ["kind"] = "Schedule", ["settings"] = new JsonObject { ["cron"] = "" } },
        ["scope"] = new JsonObject { ["level"] = "project", ["ref"] = _projectId },
        ["rules"] = new JsonArray(new JsonObject
        {
            ["action"] = "retain",
            ["template"] = template.Length == 0 ? "always" : template,
            ["params"] = new JsonObject(),
        }),
    }.ToJsonString();

    /// <summary>A disabled webhook policy named <paramref name="name"/> (an empty name makes it invalid).</summary>
    private static string WebhookPolicy(string name) =>
        $$"""{"name":"{{name}}","enabled":false,"event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://127.0.0.1:9/hook"}]}""";

    private const string ImmutableRule = """
        {"tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],
         "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}
        """;

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <remarks><c>Csrf</c>: send a valid CSRF header and cookie, as a browser would, for a route that is always CSRF-checked.</remarks>
    private sealed record Case(string Method, string Pattern, string Path, string[] Allowed, string? Body = null, bool Csrf = false);

    private List<Case> Table()
    {
        var blob = $"/v2/mx/app/blobs/{_digest}";
        var repositories = "/api/v2.0/projects/{projectName}/repositories";
        var artifacts = repositories + "/{repositoryName}/artifacts";
        var zero = "sha256:" + new string('0', 64);
        var upload = "/v2/mx/app/blobs/uploads/00000000-0000-0000-0000-000000000000";
        var webhooks = "/api/v2.0/projects/{projectNameOrId}/webhook";
        return
        [
            new("GET", "/v2", "/v2/", SignedIn),
            new("GET", "/v2/{**path}", "/v2/_catalog", SysAdmins),
            new("GET", "/v2/{**path}", "/v2/mx/app/tags/list", Pullers),
            new("GET", "/v2/{**path}", "/v2/mx/app/manifests/v1", Pullers),
            new("HEAD", "/v2/{**path}", "/v2/mx/app/manifests/v1", Pullers),
            new("GET", "/v2/{**path}", blob, Pullers),
            new("HEAD", "/v2/{**path}", blob, Pullers),
            new("GET", "/v2/{**path}", $"/v2/mx/app/referrers/{_digest}", Pullers),
            new("POST", "/v2/{**path}", "/v2/mx/app/blobs/uploads/", Pushers),
            new("PATCH", "/v2/{**path}", upload, Pushers),
            new("PUT", "/v2/{**path}", upload, Pushers),
            new("GET", "/v2/{**path}", upload, Pushers),
            new("DELETE", "/v2/{**path}", upload, Pushers),
            new("PUT", "/v2/{**path}", "/v2/mx/app/manifests/v2", Pushers, "{}"),
            new("DELETE", "/v2/{**path}", "/v2/mx/app/manifests/sha256:" + new string('0', 64), Deleters),
            new("DELETE", "/v2/{**path}", "/v2/mx/app/blobs/sha256:" + new string('0', 64), Deleters),
            new("POST", "/c/login", "/c/login", Everyone, "{}", Csrf: true),
            new("GET", "/c/log_out", "/c/log_out", Everyone),
            new("GET", "/service/token", "/service/token?service=harbor-registry&scope=repository:mx/app:pull", Accepted),
            new("GET", "/api/v2.0/ping", "/api/v2.0/ping", Everyone),
            new("GET", "/api/version", "/api/version", Everyone),
            new("GET", "/api/v2.0/systeminfo", "/api/v2.0/systeminfo", Accepted),
            new("GET", "/api/v2.0/health", "/api/v2.0/health", Everyone),
            new("POST", "/api/v2.0/projects/", "/api/v2.0/projects", Users, "{\"project_name\":\"Invalid Name\"}"),
            new("GET", "/api/v2.0/projects/", "/api/v2.0/projects", Accepted),
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
            new("GET", "/api/v2.0/users/current", "/api/v2.0/users/current", Users),
            new("GET", "/api/v2.0/users/current/permissions", "/api/v2.0/users/current/permissions?scope=/project/1", SignedIn),
            new("GET", "/api/v2.0/users/search", "/api/v2.0/users/search?username=a", SignedIn),
            new("PUT", "/api/v2.0/users/{id:long}", "/api/v2.0/users/999999", SysAdmins, "{}"),
            new("GET", "/api/v2.0/users/{id:long}", $"/api/v2.0/users/{_adminId}", SysAdmins),
            new("PUT", "/api/v2.0/users/{id:long}/password", "/api/v2.0/users/999999/password", SysAdmins, "{}"),
            new("PUT", "/api/v2.0/users/{id:long}/sysadmin", "/api/v2.0/users/999999/sysadmin", SysAdmins, "{}"),
            new("DELETE", "/api/v2.0/users/{id:long}", "/api/v2.0/users/999999", SysAdmins),
            new("GET", "/api/v2.0/system/gc/", "/api/v2.0/system/gc", GcListers),
            new("GET", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins),
            new("POST", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins, "{}"),
            new("PUT", "/api/v2.0/system/gc/schedule", "/api/v2.0/system/gc/schedule", SysAdmins, "{}"),
            new("GET", "/api/v2.0/system/gc/{id:long}", "/api/v2.0/system/gc/999999", SysAdmins),
            new("PUT", "/api/v2.0/system/gc/{id:long}", "/api/v2.0/system/gc/999999", SysAdmins),
            new("GET", "/api/v2.0/system/gc/{id:long}/log", "/api/v2.0/system/gc/999999/log", SysAdmins),
            new("GET", "/api/v2.0/configurations/", "/api/v2.0/configurations", SysAdmins),
            new("PUT", "/api/v2.0/configurations/", "/api/v2.0/configurations", SysAdmins, "{}"),
            new("GET", "/metrics", "/metrics", SysAdmins),
            new("GET", "/api/v2.0/quotas/", "/api/v2.0/quotas", SysAdmins),
            new("GET", "/api/v2.0/quotas/{id:long}", "/api/v2.0/quotas/999999", SysAdmins),
            new("PUT", "/api/v2.0/quotas/{id:long}", "/api/v2.0/quotas/999999", SysAdmins, "{\"hard\":{\"storage\":-2}}"),
            new("POST", "/api/v2.0/robots/", "/api/v2.0/robots", ProjectAdmins,
                $$"""{"name":"m1","level":"project","permissions":[{{Project("mx", Repo("pull"))}}]}"""),
            new("GET", "/api/v2.0/robots/", "/api/v2.0/robots", SysAdmins),
            new("GET", "/api/v2.0/permissions", "/api/v2.0/permissions", ProjectAdmins),
            new("GET", "/api/v2.0/robots/{id:long}", $"/api/v2.0/robots/{_robotId}", RobotReaders),
            new("PUT", "/api/v2.0/robots/{id:long}", $"/api/v2.0/robots/{_robotId}", ProjectAdmins, "{}"),
            new("PATCH", "/api/v2.0/robots/{id:long}", $"/api/v2.0/robots/{_robotId}", ProjectAdmins, "{\"secret\":\"weak\"}"),
            new("DELETE", "/api/v2.0/robots/{id:long}", "/api/v2.0/robots/999999", SysAdmins),
            new("GET", "/api/v2.0/retentions/metadatas", "/api/v2.0/retentions/metadatas", SignedIn),
            // Refused by the evaluator, or else a 400 for the unknown template: nothing is created.
            new("POST", "/api/v2.0/retentions/", "/api/v2.0/retentions", RetentionManagers, RetentionPolicy("nope")),
            new("GET", "/api/v2.0/retentions/{id:long}", $"/api/v2.0/retentions/{_policyId}", RetentionManagers),
            new("PUT", "/api/v2.0/retentions/{id:long}", $"/api/v2.0/retentions/{_policyId}", RetentionManagers, RetentionPolicy("nope")),
            // An unknown policy is refused like a forbidden one: only administrators learn that it does not exist (404).
            new("DELETE", "/api/v2.0/retentions/{id:long}", "/api/v2.0/retentions/999999", SysAdmins),
            new("POST", "/api/v2.0/retentions/{id:long}/executions", $"/api/v2.0/retentions/{_policyId}/executions", RetentionManagers, "{\"dry_run\":true}"),
            new("GET", "/api/v2.0/retentions/{id:long}/executions", $"/api/v2.0/retentions/{_policyId}/executions", RetentionManagers),
            new("PATCH", "/api/v2.0/retentions/{id:long}/executions/{eid:long}", $"/api/v2.0/retentions/{_policyId}/executions/999999",
                RetentionManagers, "{\"action\":\"stop\"}"),
            new("GET", "/api/v2.0/retentions/{id:long}/executions/{eid:long}/tasks", $"/api/v2.0/retentions/{_policyId}/executions/999999/tasks",
                RetentionManagers),
            new("GET", "/api/v2.0/retentions/{id:long}/executions/{eid:long}/tasks/{tid:long}",
                $"/api/v2.0/retentions/{_policyId}/executions/999999/tasks/1", RetentionManagers),
            new("GET", "/api/v2.0/repositories", "/api/v2.0/repositories", Accepted),
            new("GET", "/api/v2.0/search", "/api/v2.0/search?q=mx", Accepted),
            new("GET", "/api/v2.0/statistics", "/api/v2.0/statistics", SignedIn),
            new("GET", repositories, "/api/v2.0/projects/mx/repositories", Members),
            new("GET", repositories + "/{repositoryName}", "/api/v2.0/projects/mx/repositories/app", Members), // limited guests read a repository too (Harbor 2.x role table)
            new("PUT", repositories + "/{repositoryName}", "/api/v2.0/projects/mx/repositories/app", RepositoryUpdaters, "{\"description\":\"d\"}"),
            // Unknown repositories and artifacts: whoever may is told 404; nothing is deleted.
            new("DELETE", repositories + "/{repositoryName}", "/api/v2.0/projects/mx/repositories/none", Deleters),
            new("GET", artifacts, "/api/v2.0/projects/mx/repositories/app/artifacts", Members),
            new("GET", artifacts + "/{reference}", "/api/v2.0/projects/mx/repositories/app/artifacts/v1", Members),
            new("DELETE", artifacts + "/{reference}", "/api/v2.0/projects/mx/repositories/app/artifacts/" + zero, ArtifactDeleters),
            new("GET", artifacts + "/{reference}/tags", "/api/v2.0/projects/mx/repositories/app/artifacts/v1/tags", Members),
            new("POST", artifacts + "/{reference}/tags", "/api/v2.0/projects/mx/repositories/app/artifacts/v1/tags", TagCreators, "{\"name\":\"-bad\"}"),
            new("DELETE", artifacts + "/{reference}/tags/{tagName}", "/api/v2.0/projects/mx/repositories/app/artifacts/v1/tags/none", TagDeleters),
            new("POST", artifacts + "/{reference}/labels", "/api/v2.0/projects/mx/repositories/app/artifacts/v1/labels", ArtifactLabellers, "{\"id\":999999}"),
            new("DELETE", artifacts + "/{reference}/labels/{labelId:long}", "/api/v2.0/projects/mx/repositories/app/artifacts/v1/labels/999999",
                ArtifactLabellers),
            // Global labels are listed to anyone; a project's, to who may read its labels. Bodies that pass the check fail validation.
            new("GET", "/api/v2.0/labels/", "/api/v2.0/labels?scope=g", Accepted),
            new("GET", "/api/v2.0/labels/", $"/api/v2.0/labels?scope=p&project_id={_projectId}", LabelReaders),
            new("POST", "/api/v2.0/labels/", "/api/v2.0/labels", LabelManagers, $$"""{"name":"","scope":"p","project_id":{{_projectId}}}"""),
            new("POST", "/api/v2.0/labels/", "/api/v2.0/labels", SysAdmins, """{"name":"","scope":"g"}"""),
            new("GET", "/api/v2.0/labels/{id:long}", $"/api/v2.0/labels/{_labelId}", LabelReaders),
            new("PUT", "/api/v2.0/labels/{id:long}", $"/api/v2.0/labels/{_labelId}", LabelManagers, "{\"name\":\"\"}"),
            new("DELETE", "/api/v2.0/labels/{id:long}", "/api/v2.0/labels/999999", SysAdmins),
            // Harbor: any signed-in caller may ask; what they see depends on who they are (an administrator everything).
            new("GET", "/api/v2.0/audit-logs", "/api/v2.0/audit-logs", SignedIn),
            new("GET", "/api/v2.0/projects/{projectName}/logs", "/api/v2.0/projects/mx/logs", ProjectAdmins),
            new("GET", webhooks + "/policies", webhooks.Replace("{projectNameOrId}", "mx", StringComparison.Ordinal) + "/policies", WebhookReaders),
            // Refused by the evaluator, or else a 400 for the empty name: nothing is created or changed.
            new("POST", webhooks + "/policies", "/api/v2.0/projects/mx/webhook/policies", ProjectAdmins, WebhookPolicy("")),
            new("GET", webhooks + "/policies/{policyId:long}", $"/api/v2.0/projects/mx/webhook/policies/{_webhookId}", WebhookReaders),
            new("PUT", webhooks + "/policies/{policyId:long}", $"/api/v2.0/projects/mx/webhook/policies/{_webhookId}", ProjectAdmins, WebhookPolicy("")),
            new("DELETE", webhooks + "/policies/{policyId:long}", "/api/v2.0/projects/mx/webhook/policies/999999", ProjectAdmins),
            new("GET", webhooks + "/policies/{policyId:long}/executions", $"/api/v2.0/projects/mx/webhook/policies/{_webhookId}/executions", WebhookReaders),
            new("GET", webhooks + "/policies/{policyId:long}/executions/{executionId:long}/tasks",
                $"/api/v2.0/projects/mx/webhook/policies/{_webhookId}/executions/999999/tasks", WebhookReaders),
            new("GET", webhooks + "/policies/{policyId:long}/executions/{executionId:long}/tasks/{taskId:long}/log",
                $"/api/v2.0/projects/mx/webhook/policies/{_webhookId}/executions/999999/tasks/1/log", WebhookReaders),
            new("GET", webhooks + "/events", "/api/v2.0/projects/mx/webhook/events", WebhookReaders),
            new("GET", webhooks + "/lasttrigger", $"/api/v2.0/projects/{_projectId}/webhook/lasttrigger", WebhookReaders),
            // Whoever may is told the body is invalid, or that the rule does not exist: nothing is created or changed.
            new("GET", "/api/v2.0/projects/{nameOrId}/immutabletagrules/", "/api/v2.0/projects/mx/immutabletagrules", ImmutableRuleManagers),
            new("GET", "/api/v2.0/projects/{nameOrId}/immutabletagrules/", $"/api/v2.0/projects/{_projectId}/immutabletagrules", ImmutableRuleManagers),
            new("POST", "/api/v2.0/projects/{nameOrId}/immutabletagrules/", "/api/v2.0/projects/mx/immutabletagrules", ImmutableRuleManagers,
                "{\"tag_selectors\":[]}"),
            new("PUT", "/api/v2.0/projects/{nameOrId}/immutabletagrules/{ruleId:long}", "/api/v2.0/projects/mx/immutabletagrules/999999",
                ImmutableRuleManagers, ImmutableRule),
            new("DELETE", "/api/v2.0/projects/{nameOrId}/immutabletagrules/{ruleId:long}", "/api/v2.0/projects/mx/immutabletagrules/999999",
                ImmutableRuleManagers),
        ];
    }

    private string? Authorization(string subject) => subject switch
    {
        Anonymous => null,
        Admin => TestCredentials.AdminAuthorization,
        _ when _robotAuthorizations.TryGetValue(subject, out var robot) => robot,
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

                if (route.Csrf)
                {
                    using var prime = await _server.Anonymous.GetAsync("/c/log_out");
                    request.Headers.Add("X-Harbor-CSRF-Token", prime.Headers.GetValues("X-Harbor-CSRF-Token").Single());
                    request.Headers.Add("Cookie", prime.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("_gorilla_csrf=", StringComparison.Ordinal)).Split(';')[0]);
                }

                if (Authorization(subject) is { } authorization)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await _server.Anonymous.SendAsync(request);
                var allowed = response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
                var expected = route.Allowed.Contains(subject);
                var refusal = subject is Anonymous or RobotDisabled or RobotExpired ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if ((int)response.StatusCode >= 500)
                {
                    mismatches.Add($"{route.Method} {route.Path} as {subject}: {(int)response.StatusCode}, a server error");
                }
                else if (allowed != expected || (!expected && response.StatusCode != refusal && !(route.Path.StartsWith("/v2", StringComparison.Ordinal))))
                {
                    mismatches.Add($"{route.Method} {route.Path} as {subject}: {(int)response.StatusCode}, expected {(expected ? "allowed" : refusal.ToString())}");
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static string Normalize(string pattern) => pattern.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/";
}
