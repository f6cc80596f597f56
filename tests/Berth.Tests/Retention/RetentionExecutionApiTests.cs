using System.Globalization;
using System.Net;
using System.Text.Json;
using Berth.Data;
using Berth.Jobs;
using Berth.Retention;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Retention;

/// <summary>/api/v2.0/retentions/{id}/executions: running policies through the API, one task per repository, schedules, stopping.</summary>
public sealed class RetentionExecutionApiTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Jobs:PollInterval"] = "00:00:00.100",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static Task<HttpResponseMessage> SendAsync(BerthServer server, HttpMethod method, string path, string? json = null) =>
        server.SendAsync(method, path, TestCredentials.AdminAuthorization, json);

    /// <summary>Starts a run through the API and returns the execution's path from <c>Location</c>.</summary>
    private static async Task<string> RunAsync(BerthServer server, long policyId, bool dryRun)
    {
        using var response = await SendAsync(server, HttpMethod.Post, $"/api/v2.0/retentions/{policyId}/executions",
            $$"""{"dry_run":{{(dryRun ? "true" : "false")}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches($"^/api/v2.0/retentions/{policyId}/executions/[0-9]+$", location);
        return location;
    }

    /// <summary>The execution as the list shows it, once it has ended.</summary>
    private static async Task<JsonElement> WaitAsync(BerthServer server, long policyId, long executionId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await RetentionApi.GetJsonAsync(server, $"/api/v2.0/retentions/{policyId}/executions?page_size=100");
            var execution = list.EnumerateArray().Single(e => e.GetProperty("id").GetInt64() == executionId);
            if (execution.GetProperty("status").GetString() is not ("Pending" or "Running") || DateTime.UtcNow > deadline)
            {
                return execution;
            }

            await Task.Delay(100);
        }
    }

    private static long IdOf(string location) => long.Parse(location[(location.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

    private async Task SetTimesAsync(string repository, TestImage image, int pushedDaysAgo)
    {
        var pushed = DateTime.UtcNow.AddDays(-pushedDaysAgo);
        var digest = image.Manifest.Digest;
        await using var db = DataDirectory.Open(_server.DataDirectory);
        await db.Artifacts.Where(a => a.Digest == digest && a.Repository!.Name == repository)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.PushTime, pushed), TestContext.Current.CancellationToken);
        await db.Tags.Where(t => t.Artifact!.Digest == digest && t.Artifact.Repository!.Name == repository)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.PushTime, pushed), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_policy_runs_dry_then_for_real_with_one_task_per_repository()
    {
        var client = _server.Client;
        // lib/app: five tags pushed 5..1 days ago; lib/tool: two; lib/docs: one, and no rule selects it.
        var app = new List<TestImage>();
        for (var i = 0; i < 5; i++)
        {
            app.Add(TestImage.Create().WithLayer(64).Build());
            await client.PushImageAsync("lib/app", app[i], $"v{i}");
            await SetTimesAsync("lib/app", app[i], 5 - i);
        }

        var tool = new[] { TestImage.Create().WithLayer(64).Build(), TestImage.Create().WithLayer(64).Build() };
        await client.PushImageAsync("lib/tool", tool[0], "old");
        await client.PushImageAsync("lib/tool", tool[1], "new");
        await SetTimesAsync("lib/tool", tool[0], 3);
        await SetTimesAsync("lib/tool", tool[1], 1);
        var docs = TestImage.Create().WithLayer(64).Build();
        await client.PushImageAsync("lib/docs", docs, "v1");

        // Keep the two latest pushes of app* and tool, and every tag "v0" anywhere they apply.
        var projectId = await RetentionApi.ProjectIdAsync(_server, "lib");
        var policyId = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId, "",
            RetentionApi.Rule("latestPushedK", 2, repositories: "{app*,tool}"),
            RetentionApi.Rule("always", null, repositories: "{app*,tool}", tags: "v0", untagged: false)));

        // A dry run: tasks and logs say what would go; nothing goes.
        var dryPath = await RunAsync(_server, policyId, dryRun: true);
        var dry = await WaitAsync(_server, policyId, IdOf(dryPath));
        Assert.Equal("Success", dry.GetProperty("status").GetString());
        Assert.Equal(policyId, dry.GetProperty("policy_id").GetInt64());
        Assert.Equal("MANUAL", dry.GetProperty("trigger").GetString());
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        var start = DateTime.Parse(dry.GetProperty("start_time").GetString()!, CultureInfo.InvariantCulture).ToUniversalTime();
        var end = DateTime.Parse(dry.GetProperty("end_time").GetString()!, CultureInfo.InvariantCulture).ToUniversalTime();
        Assert.True(start <= end);

        using (var tasksResponse = await SendAsync(_server, HttpMethod.Get, dryPath + "/tasks"))
        {
            Assert.Equal(HttpStatusCode.OK, tasksResponse.StatusCode);
            Assert.Equal("2", tasksResponse.Headers.GetValues("X-Total-Count").Single());
            var tasks = JsonDocument.Parse(await tasksResponse.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
                .ToDictionary(t => t.GetProperty("repository").GetString()!);
            Assert.Equal(["app", "tool"], tasks.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(5, tasks["app"].GetProperty("total").GetInt32());
            Assert.Equal(3, tasks["app"].GetProperty("retained").GetInt32());
            Assert.Equal(2, tasks["tool"].GetProperty("total").GetInt32());
            Assert.Equal(2, tasks["tool"].GetProperty("retained").GetInt32());
            foreach (var task in tasks.Values)
            {
                Assert.Equal(IdOf(dryPath), task.GetProperty("execution_id").GetInt64());
                Assert.Equal("Success", task.GetProperty("status").GetString());
                Assert.Equal(3, task.GetProperty("status_code").GetInt32());
                Assert.True(task.GetProperty("status_revision").GetInt64() > 0);
                Assert.True(long.Parse(task.GetProperty("job_id").GetString()!, CultureInfo.InvariantCulture) > 0);
                Assert.Equal(JsonValueKind.String, task.GetProperty("start_time").ValueKind);
                Assert.Equal(JsonValueKind.String, task.GetProperty("end_time").ValueKind);
            }

            using var log = await SendAsync(_server, HttpMethod.Get, $"{dryPath}/tasks/{tasks["app"].GetProperty("id").GetInt64()}");
            Assert.Equal(HttpStatusCode.OK, log.StatusCode);
            Assert.Equal("text/plain", log.Content.Headers.ContentType!.MediaType);
            var text = await log.Content.ReadAsStringAsync();
            Assert.Contains($"lib/app: would delete {app[1].Manifest.Digest} (tags v1)", text, StringComparison.Ordinal);
            Assert.Contains($"RETAIN {app[0].Manifest.Digest} (tags v0)", text, StringComparison.Ordinal);
            Assert.DoesNotContain("lib/tool", text, StringComparison.Ordinal);
        }

        foreach (var image in app)
        {
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/lib/app/manifests/{image.Manifest.Digest}"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        // For real: v1 and v2 of app go, v0 (always) and v3, v4 (latest two) stay; tool and docs are untouched.
        var realPath = await RunAsync(_server, policyId, dryRun: false);
        var real = await WaitAsync(_server, policyId, IdOf(realPath));
        Assert.Equal("Success", real.GetProperty("status").GetString());
        Assert.False(real.GetProperty("dry_run").GetBoolean());
        for (var i = 0; i < app.Count; i++)
        {
            using var response = await client.GetAsync($"/v2/lib/app/manifests/v{i}");
            Assert.True((i is 1 or 2 ? HttpStatusCode.NotFound : HttpStatusCode.OK) == response.StatusCode, $"v{i}: {response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/lib/tool/manifests/old")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/lib/docs/manifests/v1")).StatusCode);
        var realTasks = await RetentionApi.GetJsonAsync(_server, realPath + "/tasks");
        var appTask = realTasks.EnumerateArray().Single(t => t.GetProperty("repository").GetString() == "app");
        using (var log = await SendAsync(_server, HttpMethod.Get, $"{realPath}/tasks/{appTask.GetProperty("id").GetInt64()}"))
        {
            Assert.Contains($"lib/app: deleted {app[2].Manifest.Digest} (tags v2)", await log.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The history, newest first, paged as Harbor pages.
        using (var page = await SendAsync(_server, HttpMethod.Get, $"/api/v2.0/retentions/{policyId}/executions?page=1&page_size=1"))
        {
            Assert.Equal("2", page.Headers.GetValues("X-Total-Count").Single());
            Assert.Contains("rel=\"next\"", page.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
            var only = Assert.Single(JsonDocument.Parse(await page.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
            Assert.Equal(IdOf(realPath), only.GetProperty("id").GetInt64());
        }

        using (var page = await SendAsync(_server, HttpMethod.Get, $"/api/v2.0/retentions/{policyId}/executions?page=2&page_size=1"))
        {
            Assert.Contains("rel=\"prev\"", page.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
            Assert.Equal(IdOf(dryPath), JsonDocument.Parse(await page.Content.ReadAsStringAsync()).RootElement[0].GetProperty("id").GetInt64());
        }

        using (var taskPage = await SendAsync(_server, HttpMethod.Get, realPath + "/tasks?page=2&page_size=1"))
        {
            Assert.Equal("2", taskPage.Headers.GetValues("X-Total-Count").Single());
            Assert.Contains("rel=\"prev\"", taskPage.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
            Assert.Single(JsonDocument.Parse(await taskPage.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
        }
    }

    [Fact]
    public async Task A_policy_selecting_no_repository_runs_to_success_without_tasks()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "empty");
        var policyId = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId));
        var path = await RunAsync(_server, policyId, dryRun: false);
        var execution = await WaitAsync(_server, policyId, IdOf(path));
        Assert.Equal("Success", execution.GetProperty("status").GetString());
        using var tasks = await SendAsync(_server, HttpMethod.Get, path + "/tasks");
        Assert.Equal("0", tasks.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal("[]", await tasks.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_due_schedule_starts_one_scheduled_real_run()
    {
        var image = TestImage.Create().WithLayer(64).Build();
        await _server.Client.PushImageAsync("shared/web", image, "v1");
        var projectId = await RetentionApi.ProjectIdAsync(_server, "shared");
        // Harbor wants the seconds field at 0, so the shortest schedule is a minute; rather than wait for one, the test makes a
        // yearly schedule due now, so that a second firing within the test would be a bug, not the next minute.
        var policyId = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId, "0 0 0 1 1 *", RetentionApi.Rule("always", null)));
        var name = RetentionPolicyStore.ScheduleName(policyId);
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            await db.Schedules.Where(s => s.Name == name)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRunAt, DateTime.UtcNow.AddSeconds(-1)), TestContext.Current.CancellationToken);
        }

        JsonElement executions;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            executions = await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{policyId}/executions");
        }
        while (executions.GetArrayLength() == 0 && DateTime.UtcNow < deadline);

        var scheduled = Assert.Single(executions.EnumerateArray());
        Assert.Equal("SCHEDULE", scheduled.GetProperty("trigger").GetString());
        Assert.False(scheduled.GetProperty("dry_run").GetBoolean());
        var done = await WaitAsync(_server, policyId, scheduled.GetProperty("id").GetInt64());
        Assert.Equal("Success", done.GetProperty("status").GetString());
        var task = Assert.Single((await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{policyId}/executions/{done.GetProperty("id").GetInt64()}/tasks"))
            .EnumerateArray());
        Assert.Equal("web", task.GetProperty("repository").GetString());
        Assert.Equal(1, task.GetProperty("retained").GetInt32());

        // It fired once and moved on to its next due time.
        await using (var db = DataDirectory.Open(_server.DataDirectory))
        {
            var schedule = await db.Schedules.AsNoTracking().SingleAsync(s => s.Name == name, TestContext.Current.CancellationToken);
            Assert.True(schedule.NextRunAt > DateTime.UtcNow.AddDays(1));
        }

        Assert.Single((await RetentionApi.GetJsonAsync(_server, $"/api/v2.0/retentions/{policyId}/executions")).EnumerateArray());
    }

    [Fact]
    public async Task Unknown_executions_and_tasks_and_bad_bodies_are_harbor_errors()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "proj");
        var otherProject = await RetentionApi.ProjectIdAsync(_server, "purge");
        var policyId = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId));
        var otherPolicy = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(otherProject));
        var path = await RunAsync(_server, policyId, dryRun: true);
        var executionId = IdOf(path);
        await WaitAsync(_server, policyId, executionId);

        // An execution is only found under its own policy.
        using (var wrong = await SendAsync(_server, HttpMethod.Get, $"/api/v2.0/retentions/{otherPolicy}/executions/{executionId}/tasks"))
        {
            await RetentionApi.AssertErrorAsync(wrong, HttpStatusCode.NotFound);
        }

        using (var unknown = await SendAsync(_server, HttpMethod.Get, $"{path}/tasks/987654"))
        {
            await RetentionApi.AssertErrorAsync(unknown, HttpStatusCode.NotFound);
        }

        using (var unknown = await SendAsync(_server, HttpMethod.Patch, $"/api/v2.0/retentions/{policyId}/executions/987654", """{"action":"stop"}"""))
        {
            await RetentionApi.AssertErrorAsync(unknown, HttpStatusCode.NotFound);
        }

        using (var pause = await SendAsync(_server, HttpMethod.Patch, path, """{"action":"pause"}"""))
        {
            Assert.Contains("'stop'", await RetentionApi.AssertErrorAsync(pause, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        }

        using (var finished = await SendAsync(_server, HttpMethod.Patch, path, """{"action":"stop"}"""))
        {
            // Harbor: stopping a finished execution has nothing to do, and says 200.
            Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        }

        foreach (var body in new[] { """{"dry_run":"yes"}""", """{"dry_run":""", "" })
        {
            using var bad = await SendAsync(_server, HttpMethod.Post, $"/api/v2.0/retentions/{policyId}/executions", body);
            await RetentionApi.AssertErrorAsync(bad, HttpStatusCode.BadRequest);
        }

        using (var badPage = await SendAsync(_server, HttpMethod.Get, $"/api/v2.0/retentions/{policyId}/executions?page=0"))
        {
            await RetentionApi.AssertErrorAsync(badPage, HttpStatusCode.BadRequest);
        }
    }

    /// <summary>On a server without workers the test plays the worker, so what is pending stays pending until it says.</summary>
    [Fact]
    public async Task Stopping_stops_what_waits_refuses_what_only_runs_and_a_policy_with_a_live_run_is_kept()
    {
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });
        foreach (var repository in new[] { "team/one", "team/two" })
        {
            await server.Client.PushImageAsync(repository, TestImage.Create().WithLayer(32).Build(), "v1");
        }

        var policyId = await RetentionApi.CreateAsync(server, RetentionApi.Policy(await RetentionApi.ProjectIdAsync(server, "team")));
        var waiting = await RunAsync(server, policyId, dryRun: true);
        using (var delete = await SendAsync(server, HttpMethod.Delete, $"/api/v2.0/retentions/{policyId}"))
        {
            Assert.Contains("in progress", await RetentionApi.AssertErrorAsync(delete, HttpStatusCode.PreconditionFailed), StringComparison.Ordinal);
        }

        using (var stop = await SendAsync(server, HttpMethod.Patch, waiting, """{"action":"stop"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        }

        Assert.Equal("Stopped", (await WaitAsync(server, policyId, IdOf(waiting))).GetProperty("status").GetString());
        var stopped = await RetentionApi.GetJsonAsync(server, waiting + "/tasks");
        Assert.Equal(2, stopped.GetArrayLength());
        Assert.All(stopped.EnumerateArray(), t => Assert.Equal("Stopped", t.GetProperty("status").GetString()));

        // Now both tasks of a new run are taken by a worker before the stop comes: nothing waits, so nothing can be stopped.
        var running = await RunAsync(server, policyId, dryRun: true);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
            var executions = scope.ServiceProvider.GetRequiredService<ExecutionStore>();
            while (await queue.ClaimAsync("test-worker", CancellationToken.None) is { TaskId: { } taskId })
            {
                await executions.TaskStartedAsync(taskId, CancellationToken.None);
            }
        }

        using (var stop = await SendAsync(server, HttpMethod.Patch, running, """{"action":"stop"}"""))
        {
            Assert.Contains("cannot be interrupted", await RetentionApi.AssertErrorAsync(stop, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        }

        var list = await RetentionApi.GetJsonAsync(server, $"/api/v2.0/retentions/{policyId}/executions");
        Assert.Equal("Running", list.EnumerateArray().Single(e => e.GetProperty("id").GetInt64() == IdOf(running)).GetProperty("status").GetString());
        var tasks = await RetentionApi.GetJsonAsync(server, running + "/tasks");
        Assert.All(tasks.EnumerateArray(), t => Assert.Equal(2, t.GetProperty("status_code").GetInt32()));
    }

    [Fact]
    public async Task Deleting_a_policy_deletes_its_finished_executions()
    {
        var projectId = await RetentionApi.ProjectIdAsync(_server, "fire");
        var policyId = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId));
        var path = await RunAsync(_server, policyId, dryRun: true);
        await WaitAsync(_server, policyId, IdOf(path));
        (await SendAsync(_server, HttpMethod.Delete, $"/api/v2.0/retentions/{policyId}")).Dispose();
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        Assert.False(await db.Executions.AnyAsync(e => e.VendorType == RetentionJobHandler.VendorType && e.VendorId == policyId,
            TestContext.Current.CancellationToken));
    }
}
