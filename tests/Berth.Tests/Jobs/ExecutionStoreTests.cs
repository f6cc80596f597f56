using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Jobs;

/// <summary>Executions of several tasks on the real database; the server's workers are off, the test plays them.</summary>
public sealed class ExecutionStoreTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<T> WithStoreAsync<T>(Func<ExecutionStore, BerthDbContext, Task<T>> action)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ExecutionStore>(), scope.ServiceProvider.GetRequiredService<BerthDbContext>());
    }

    private async Task WithStoreAsync(Func<ExecutionStore, BerthDbContext, Task> action)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<ExecutionStore>(), scope.ServiceProvider.GetRequiredService<BerthDbContext>());
    }

    private Task<Execution> StartAsync(int tasks) => WithStoreAsync((store, _) => store.StartAsync("TEST", 7, ExecutionStore.Manual, "{}",
        Enumerable.Range(0, tasks).Select(i => new TaskStart("no-such-kind", $"{{\"n\":{i}}}", $"{{\"repository\":\"r{i}\"}}")).ToList(),
        "nothing to do", CancellationToken.None));

    private Task<Execution> ReadAsync(long id) =>
        WithStoreAsync((_, db) => db.Executions.AsNoTracking().Include(e => e.Tasks.OrderBy(t => t.Id)).FirstAsync(e => e.Id == id));

    private Task FinishAsync(long taskId, ExecutionStatus status) => WithStoreAsync(async (store, _) =>
    {
        await store.TaskStartedAsync(taskId, CancellationToken.None);
        await store.TaskUpdatedAsync(taskId, status, status == ExecutionStatus.Error ? "boom" : null, "log\n",
            new Dictionary<string, object?> { ["total"] = 5 }, CancellationToken.None);
    });

    [Fact]
    public async Task An_execution_without_tasks_is_a_success_at_once()
    {
        var execution = await ReadAsync((await StartAsync(0)).Id);
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal("nothing to do", execution.StatusMessage);
        Assert.NotNull(execution.EndTime);
        Assert.Empty(execution.Tasks);
    }

    [Fact]
    public async Task Each_task_gets_its_own_job_and_the_execution_ends_with_the_last_task()
    {
        var execution = await StartAsync(3);
        var started = await ReadAsync(execution.Id);
        var taskIds = started.Tasks.Select(t => t.Id).ToList();
        var jobs = await WithStoreAsync((_, db) => db.Jobs.AsNoTracking().Where(j => j.TaskId != null && taskIds.Contains(j.TaskId.Value)).ToListAsync());
        Assert.Equal(taskIds.Order(), jobs.Select(j => j.TaskId!.Value).Order());
        Assert.Equal(["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"], jobs.OrderBy(j => j.TaskId).Select(j => j.Payload));
        Assert.Equal("{\"repository\":\"r1\"}", started.Tasks[1].ExtraAttrs);

        await FinishAsync(taskIds[0], ExecutionStatus.Success);
        await FinishAsync(taskIds[1], ExecutionStatus.Error);
        Assert.Equal(ExecutionStatus.Running, (await ReadAsync(execution.Id)).Status);

        await FinishAsync(taskIds[2], ExecutionStatus.Success);
        var done = await ReadAsync(execution.Id);
        Assert.Equal(ExecutionStatus.Error, done.Status);
        Assert.Equal("boom", done.StatusMessage);
        Assert.NotNull(done.EndTime);
        // Results stay on their tasks when there are several: no task's totals pass for the execution's.
        Assert.Equal("{}", done.ExtraAttrs);
        Assert.All(done.Tasks, t => Assert.Contains("\"total\":5", t.ExtraAttrs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tasks_ending_at_the_same_moment_still_close_their_execution()
    {
        for (var round = 0; round < 10; round++)
        {
            var execution = await ReadAsync((await StartAsync(4)).Id);
            await Task.WhenAll(execution.Tasks.Select(t => Task.Run(() => FinishAsync(t.Id, ExecutionStatus.Success))));
            Assert.Equal(ExecutionStatus.Success, (await ReadAsync(execution.Id)).Status);
        }
    }

    [Fact]
    public async Task Stopping_cancels_what_waits_and_lets_what_runs_finish()
    {
        var execution = await ReadAsync((await StartAsync(3)).Id);
        var (running, waiting) = (execution.Tasks[0].Id, execution.Tasks.Skip(1).Select(t => t.Id).ToList());
        // A worker has the first task's job.
        await WithStoreAsync((_, db) => db.Jobs.Where(j => j.TaskId == running).ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Running)));
        await WithStoreAsync((store, _) => store.TaskStartedAsync(running, CancellationToken.None));

        Assert.Equal(2, await WithStoreAsync((store, _) => store.StopAsync(execution.Id, CancellationToken.None)));
        var stopping = await ReadAsync(execution.Id);
        Assert.Equal(ExecutionStatus.Running, stopping.Status);
        Assert.All(stopping.Tasks.Where(t => waiting.Contains(t.Id)), t => Assert.Equal(ExecutionStatus.Stopped, t.Status));
        var states = await WithStoreAsync((_, db) => db.Jobs.AsNoTracking().Where(j => j.TaskId != null && waiting.Contains(j.TaskId.Value))
            .Select(j => j.State).ToListAsync());
        Assert.All(states, s => Assert.Equal(JobState.Cancelled, s));
        Assert.Equal(0, await WithStoreAsync((store, _) => store.StopAsync(execution.Id, CancellationToken.None)));

        await WithStoreAsync((store, _) => store.TaskUpdatedAsync(running, ExecutionStatus.Success, null, "", null, CancellationToken.None));
        Assert.Equal(ExecutionStatus.Stopped, (await ReadAsync(execution.Id)).Status);
    }
}
