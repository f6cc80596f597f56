using System.Globalization;
using System.Net;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Distribution.Manifests;
using Berth.Events;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Audit;

/// <summary>The events outbox as the audit log shows it: what create, push, pull and delete leave, and who may read it.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private static readonly string Admin = TestCredentials.AdminAuthorization;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Events:PollInterval"] = "00:00:00.050",
        ["Distribution:PullTimeFlushInterval"] = "00:00:00.100",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Create_push_pull_and_deletes_leave_harbors_lines_in_the_project_log()
    {
        await CreateProjectAsync("audited");
        var image = TestImage.Create().WithLayer(40).Build();
        await _server.Client.PushImageAsync("audited/app", image, "v1");
        using (var pull = await _server.Client.GetAsync("/v2/audited/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        using (var deleted = await Send(HttpMethod.Delete, $"/api/v2.0/projects/audited/repositories/app/artifacts/{image.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await _server.Client.PushImageAsync("audited/other", TestImage.Create().WithLayer(41).Build(), "v2");
        using (var deleted = await Send(HttpMethod.Delete, "/api/v2.0/projects/audited/repositories/other"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var lines = await LinesAsync("/api/v2.0/projects/audited/logs?page_size=100&sort=op_time", 6);
        var seen = lines.Select(l => $"{l.GetProperty("operation").GetString()} {l.GetProperty("resource_type").GetString()} "
            + $"{l.GetProperty("resource").GetString()} {l.GetProperty("username").GetString()}").ToList();
        Assert.Contains("create project audited admin", seen);
        Assert.Contains("create artifact audited/app:v1 admin", seen);
        Assert.Contains("pull artifact audited/app:v1 admin", seen);
        Assert.Contains($"delete artifact audited/app:{image.Manifest.Digest} admin", seen);
        Assert.Contains("create artifact audited/other:v2 admin", seen);
        Assert.Contains("delete repository audited/other admin", seen);
        Assert.Equal("create project audited admin", seen[0]);
        foreach (var line in lines)
        {
            Assert.True(line.GetProperty("id").GetInt64() > 0);
            Assert.True(DateTimeOffset.TryParse(line.GetProperty("op_time").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        }
    }

    [Fact]
    public async Task Harbors_query_filters_sort_and_pages_the_log()
    {
        await CreateProjectAsync("filtered");
        var before = DateTime.UtcNow.AddSeconds(-1);
        await _server.Client.PushImageAsync("filtered/app", TestImage.Create().WithLayer(42).Build(), "a");
        await _server.Client.PushImageAsync("filtered/app", TestImage.Create().WithLayer(43).Build(), "b");
        await LinesAsync("/api/v2.0/projects/filtered/logs", 3);
        var after = DateTime.UtcNow.AddSeconds(1);
        const string Logs = "/api/v2.0/projects/filtered/logs";

        var pushes = await ListAsync(Logs + "?q=" + Uri.EscapeDataString("operation=create,resource_type=artifact") + "&sort=-op_time");
        Assert.Equal(["filtered/app:b", "filtered/app:a"], pushes.Select(l => l.GetProperty("resource").GetString()));
        var fuzzy = await ListAsync(Logs + "?q=" + Uri.EscapeDataString("resource=~APP:A"));
        Assert.Equal("filtered/app:a", Assert.Single(fuzzy).GetProperty("resource").GetString());
        var project = await ListAsync(Logs + "?q=" + Uri.EscapeDataString("resource_type=project,username=admin"));
        Assert.Equal("filtered", Assert.Single(project).GetProperty("resource").GetString());
        var inRange = await ListAsync(Logs + "?q=" + Uri.EscapeDataString($"op_time=[{Time(before)}~{Time(after)}]"));
        Assert.Equal(3, inRange.Count);
        var none = await ListAsync(Logs + "?q=" + Uri.EscapeDataString($"op_time=[{Time(after)}~]"));
        Assert.Empty(none);
        Assert.Empty(await ListAsync(Logs + "?q=username%3Dnobody"));

        using var page = await Send(HttpMethod.Get, Logs + "?page=1&page_size=2&sort=op_time");
        Assert.Equal("3", page.Headers.GetValues("X-Total-Count").Single());
        Assert.Contains("rel=\"next\"", page.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        using var bad = await Send(HttpMethod.Get, Logs + "?q=op_time%3D%5Bnot-a-time~%5D");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_system_log_shows_everything_to_administrators_and_their_own_projects_to_project_administrators()
    {
        await CreateProjectAsync("seen");
        await CreateProjectAsync("unseen");
        await TestCredentials.AddUserAsync(_server.DataDirectory, "boss", "Passw0rdBoss", "seen", ProjectRole.ProjectAdmin);
        await TestCredentials.AddUserAsync(_server.DataDirectory, "dev", "Passw0rdDev", "seen", ProjectRole.Developer);
        await LinesAsync("/api/v2.0/audit-logs?q=resource_type%3Dproject,resource%3D~seen", 2);

        var all = await ListAsync("/api/v2.0/audit-logs?page_size=100&q=resource_type%3Dproject");
        Assert.Contains(all, l => l.GetProperty("resource").GetString() == "unseen");
        var boss = await ListAsync("/api/v2.0/audit-logs?page_size=100", TestCredentials.Basic("boss", "Passw0rdBoss"));
        Assert.Equal(["seen"], boss.Select(l => l.GetProperty("resource").GetString()).Distinct());
        Assert.Empty(await ListAsync("/api/v2.0/audit-logs", TestCredentials.Basic("dev", "Passw0rdDev")));
        using var anonymous = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/audit-logs", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var developer = await _server.SendAsync(HttpMethod.Get, "/api/v2.0/projects/seen/logs", TestCredentials.Basic("dev", "Passw0rdDev"));
        Assert.Equal(HttpStatusCode.Forbidden, developer.StatusCode);
    }

    [Fact]
    public async Task Anonymous_pulls_are_logged_as_anonymous_and_pull_audit_log_disable_leaves_them_out()
    {
        await CreateProjectAsync("open", isPublic: true);
        await _server.Client.PushImageAsync("open/app", TestImage.Create().WithLayer(44).Build(), "v1");
        using (var pull = await _server.Anonymous.GetAsync("/v2/open/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        var lines = await LinesAsync("/api/v2.0/projects/open/logs?q=operation%3Dpull", 1);
        Assert.Equal("anonymous", lines[0].GetProperty("username").GetString());

        using (var disable = await Send(HttpMethod.Put, "/api/v2.0/configurations", """{"pull_audit_log_disable":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        using (var pull = await _server.Client.GetAsync("/v2/open/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        // The second pull is in the outbox once the pull count says so; a push recorded after it is handed on after it.
        await ArtifactApiFlush(count => count >= 2);
        await _server.Client.PushImageAsync("open/app", TestImage.Create().WithLayer(45).Build(), "v2");
        await LinesAsync("/api/v2.0/projects/open/logs?q=resource%3Dopen%2Fapp%3Av2", 1);
        Assert.Single(await ListAsync("/api/v2.0/projects/open/logs?q=operation%3Dpull"));
    }

    [Fact]
    public async Task A_lapsed_claim_is_taken_over_and_a_live_one_is_left_alone()
    {
        await CreateProjectAsync("crashed");
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var projectId = db.Projects.Single(p => p.Name == "crashed").Id;
            db.Events.Add(Orphan("crashed/lapsed", projectId, DateTime.UtcNow.AddSeconds(-1)));
            db.Events.Add(Orphan("crashed/held", projectId, DateTime.UtcNow.AddHours(1)));
            await db.SaveChangesAsync();
        }

        await LinesAsync("/api/v2.0/projects/crashed/logs?q=resource%3D~lapsed", 1);
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var left = await db.Events.Where(e => e.Data.Contains("crashed/")).Select(e => e.Data).ToListAsync();
            Assert.Equal(["crashed/held"], left.Select(d => EventData.Parse(d).Repository));
        }
    }

    [Fact]
    public async Task Dispatchers_racing_on_one_outbox_hand_each_event_on_once()
    {
        await CreateProjectAsync("raced");
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var projectId = db.Projects.Single(p => p.Name == "raced").Id;
            for (var i = 0; i < 300; i++)
            {
                db.Events.Add(Orphan("raced/r" + i.ToString(CultureInfo.InvariantCulture), projectId, null));
            }

            await db.SaveChangesAsync();
        }

        // The server's own dispatcher runs too: three dispatchers share the outbox, as three replicas would.
        var others = Enumerable.Range(0, 2).Select(_ => ActivatorUtilities.CreateInstance<EventDispatcher>(_server.Services)).ToList();
        await Task.WhenAll(others.Select(async dispatcher =>
        {
            while (await dispatcher.DispatchAsync(CancellationToken.None) > 0)
            {
            }
        }));
        await Poll.UntilAsync(async () =>
        {
            await using var db = DataDirectory.Open(_server.DataDirectory);
            return !await db.Events.AnyAsync(e => e.Data.Contains("raced/"));
        }, "the outbox to empty");
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var resources = await db.AuditLog.Where(a => a.Resource.StartsWith("raced/")).Select(a => a.Resource).ToListAsync();
            Assert.Equal(300, resources.Count);
            Assert.Equal(300, resources.Distinct().Count());
        }
    }

    private static OutboxEvent Orphan(string repository, long projectId, DateTime? claimedUntil) => new()
    {
        Type = EventTypes.PushArtifact,
        OccurredAt = DateTime.UtcNow,
        Operator = "admin",
        ProjectId = projectId,
        Data = EventData.ForArtifact(repository, "sha256:" + new string('1', 64), ["v1"]).Serialize(),
        ClaimedBy = claimedUntil is null ? null : "a dispatcher that died",
        ClaimedUntil = claimedUntil,
    };

    private async Task ArtifactApiFlush(Func<long, bool> pulled)
    {
        var flusher = _server.Services.GetRequiredService<PullRecorderFlusher>();
        await Poll.UntilAsync(async () =>
        {
            await flusher.FlushAsync(CancellationToken.None);
            await using var db = DataDirectory.Open(_server.DataDirectory);
            return pulled(await db.Repositories.Where(r => r.Name == "open/app").Select(r => r.PullCount).SingleAsync());
        }, "the pulls to be recorded");
    }

    private async Task CreateProjectAsync(string name, bool isPublic = false)
    {
        using var response = await Send(HttpMethod.Post, "/api/v2.0/projects",
            $$$"""{"project_name":"{{{name}}}","metadata":{"public":"{{{(isPublic ? "true" : "false")}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null) => _server.SendAsync(method, path, Admin, body);

    private async Task<List<JsonElement>> ListAsync(string path, string? authorization = null)
    {
        using var response = await _server.SendAsync(HttpMethod.Get, path, authorization ?? Admin);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>Polls <paramref name="path"/> until it lists at least <paramref name="count"/> lines.</summary>
    private Task<List<JsonElement>> LinesAsync(string path, int count) =>
        Poll.ForAsync(() => ListAsync(path), lines => lines.Count >= count, $"{count} audit log lines at {path}");

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
}
