using System.Net;
using System.Text.Json;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Berth.Retention;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Retention;

/// <summary>Retention end to end: real pushes, times set in the database, the policy run as a job, dry and for real.</summary>
public sealed class RetentionRunTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Jobs:PollInterval"] = "00:00:00.100",
        ["Distribution:PullTimeFlushInterval"] = "00:00:00.200",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<Execution> RunAsync(RetentionPolicy policy, bool dryRun)
    {
        long id;
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            id = (await scope.ServiceProvider.GetRequiredService<RetentionLauncher>().StartAsync(policy, ExecutionStore.Manual, dryRun,
                CancellationToken.None)).Id;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var scope = _server.Services.CreateAsyncScope();
            var execution = await scope.ServiceProvider.GetRequiredService<BerthDbContext>().Executions.AsNoTracking()
                .Include(e => e.Tasks).FirstAsync(e => e.Id == id);
            if (execution.Status is not (ExecutionStatus.Pending or ExecutionStatus.Running) || DateTime.UtcNow > deadline)
            {
                return execution;
            }

            await Task.Delay(100);
        }
    }

    private static ExecutionTask TaskOf(Execution execution, string repository) =>
        Assert.Single(execution.Tasks, t => JsonDocument.Parse(t.ExtraAttrs).RootElement.GetProperty("repository").GetString() == repository);

    private static long Attribute(ExecutionTask task, string name) => JsonDocument.Parse(task.ExtraAttrs).RootElement.GetProperty(name).GetInt64();

    [Fact]
    public async Task A_policy_run_dry_then_for_real_leaves_what_the_rules_say()
    {
        var client = _server.Client;
        var images = new Dictionary<string, TestImage>();
        foreach (var tag in new[] { "v1", "v2", "v3", "v4", "latest" })
        {
            images[tag] = TestImage.Create().WithLayer(100).Build();
            await client.PushImageAsync("proj/app", images[tag], tag);
        }

        var other = TestImage.Create().WithLayer(100).Build();
        await client.PushImageAsync("proj/other", other, "v1");
        var untagged = TestImage.Create().WithLayer(100).Build();
        await client.PushImageAsync("proj/app", untagged, "temp");
        (await client.DeleteAsync("/v2/proj/app/manifests/temp")).Dispose();

        // Push times: v1 oldest (5 days ago) .. latest newest; v1 pulled yesterday.
        var now = DateTime.UtcNow;
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var days = new Dictionary<string, int> { ["v1"] = 5, ["v2"] = 4, ["v3"] = 3, ["v4"] = 2, ["latest"] = 1 };
            foreach (var (tag, age) in days)
            {
                var digest = images[tag].Manifest.Digest;
                await db.Artifacts.Where(a => a.Digest == digest).ExecuteUpdateAsync(s => s.SetProperty(a => a.PushTime, now.AddDays(-age)));
                await db.Tags.Where(t => t.Name == tag && t.Artifact!.Digest == digest).ExecuteUpdateAsync(s => s.SetProperty(t => t.PushTime, now.AddDays(-age)));
            }

            await db.Artifacts.Where(a => a.Digest == untagged.Manifest.Digest).ExecuteUpdateAsync(s => s.SetProperty(a => a.PushTime, now.AddDays(-10)));
            await db.Artifacts.Where(a => a.Digest == images["v1"].Manifest.Digest).ExecuteUpdateAsync(s => s.SetProperty(a => a.PullTime, now.AddDays(-1)));
        }

        // Keep the two most recently pushed, or anything pulled in the last 3 days; only repository "app".
        long projectId;
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            projectId = db.Projects.Single(p => p.Name == "proj").Id;
        }

        var policy = JsonSerializer.Deserialize<RetentionPolicy>("""
            {"id":77,"algorithm":"or","rules":[
              {"disabled":false,"action":"retain","template":"latestPushedK","params":{"latestPushedK":2},
               "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"app"}]},
               "tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**","extras":"{\"untagged\":true}"}]},
              {"disabled":false,"action":"retain","template":"nDaysSinceLastPull","params":{"nDaysSinceLastPull":3},
               "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"app"}]},
               "tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**","extras":"{\"untagged\":true}"}]}],
             "trigger":{"kind":"Schedule","settings":{"cron":""}},"scope":{"level":"project","ref":PROJECT}}
            """.Replace("PROJECT", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))!;

        var dry = await RunAsync(policy, dryRun: true);
        Assert.Equal(ExecutionStatus.Success, dry.Status);
        Assert.Equal(77, dry.VendorId);
        // One task per repository a rule selects: proj/other is selected by no rule, so it has none.
        var dryTask = Assert.Single(dry.Tasks);
        Assert.Equal("app", JsonDocument.Parse(dryTask.ExtraAttrs).RootElement.GetProperty("repository").GetString());
        Assert.Equal(6, Attribute(dryTask, "total"));
        Assert.Equal(3, Attribute(dryTask, "retained"));
        Assert.Equal(3, Attribute(dryTask, "deleted"));
        Assert.Contains($"proj/app: would delete {images["v2"].Manifest.Digest} (tags v2)", dryTask.Log, StringComparison.Ordinal);
        Assert.Contains($"proj/app: would delete {untagged.Manifest.Digest} (untagged)", dryTask.Log, StringComparison.Ordinal);
        Assert.Contains($"RETAIN {images["v1"].Manifest.Digest} (tags v1)", dryTask.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("proj/other", dryTask.Log, StringComparison.Ordinal);
        foreach (var tag in images.Keys)
        {
            // HEAD, not GET: a GET is a pull, and pull times are what the second rule reads.
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/proj/app/manifests/{images[tag].Manifest.Digest}"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        var real = await RunAsync(policy, dryRun: false);
        Assert.Equal(ExecutionStatus.Success, real.Status);
        Assert.Equal(3, Attribute(TaskOf(real, "app"), "retained"));
        var expectKept = new[] { "v1", "v4", "latest" };
        foreach (var (tag, image) in images)
        {
            using var response = await client.GetAsync($"/v2/proj/app/manifests/{tag}");
            Assert.Equal(expectKept.Contains(tag) ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v2/proj/app/manifests/{untagged.Manifest.Digest}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/proj/other/manifests/v1")).StatusCode);
    }

    [Fact]
    public async Task Pulls_are_recorded_in_the_background()
    {
        var image = TestImage.Create().WithLayer(10).Build();
        await _server.Client.PushImageAsync("proj/pulled", image, "v1");
        var before = DateTime.UtcNow.AddSeconds(-1);
        (await _server.Client.GetAsync("/v2/proj/pulled/manifests/v1")).Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        (DateTime? Artifact, DateTime? Tag) times;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            await using var db = DataDirectory.Open(_server.DataDirectory);
            var tag = await db.Tags.AsNoTracking().Include(t => t.Artifact).FirstAsync(t => t.Name == "v1" && t.Artifact!.Digest == image.Manifest.Digest,
                TestContext.Current.CancellationToken);
            times = (tag.Artifact!.PullTime, tag.PullTime);
        }
        while ((times.Artifact is null || times.Tag is null) && DateTime.UtcNow < deadline);

        Assert.True(times.Artifact >= before);
        Assert.True(times.Tag >= before);
    }
}
