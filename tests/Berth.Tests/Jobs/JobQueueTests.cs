using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Jobs;

/// <summary>The queue on the real database. The server's own workers are off so the test is the only claimant.</summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Jobs:Enabled"] = "false",
        ["Jobs:LeaseDuration"] = "00:00:01",
        ["Jobs:RetryBackoff"] = "00:00:00.200",
        ["Jobs:MaxAttempts"] = "2",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<T> WithQueueAsync<T>(Func<JobQueue, BerthDbContext, Task<T>> action)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<JobQueue>(), scope.ServiceProvider.GetRequiredService<BerthDbContext>());
    }

    [Fact]
    public async Task Racing_workers_claim_each_job_exactly_once()
    {
        var ids = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await WithQueueAsync((q, _) => q.EnqueueAsync("race", "{}", null, CancellationToken.None)).ContinueWith(t => t.Result.Id));
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (await WithQueueAsync((q, _) => q.ClaimAsync($"worker-{worker}", CancellationToken.None)) is { } job)
            {
                mine.Add(job.Id);
            }

            return mine;
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(ids.Order(), all.Order());
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task A_job_whose_lease_lapsed_is_claimed_again_and_the_old_owner_loses_it()
    {
        var job = await WithQueueAsync((q, _) => q.EnqueueAsync("lease", "{}", null, CancellationToken.None));
        var first = await WithQueueAsync((q, _) => q.ClaimAsync("dead-worker", CancellationToken.None));
        Assert.Equal(job.Id, first!.Id);
        Assert.Null(await WithQueueAsync((q, _) => q.ClaimAsync("other", CancellationToken.None)));

        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var second = await WithQueueAsync((q, _) => q.ClaimAsync("survivor", CancellationToken.None));
        Assert.Equal(job.Id, second!.Id);
        Assert.Equal(2, second.Attempts);
        Assert.False(await WithQueueAsync((q, _) => q.RenewAsync(job.Id, "dead-worker", CancellationToken.None)));
        Assert.True(await WithQueueAsync((q, _) => q.SucceedAsync(job.Id, "survivor", CancellationToken.None)));
        Assert.False(await WithQueueAsync((q, _) => q.SucceedAsync(job.Id, "dead-worker", CancellationToken.None)));
    }

    [Fact]
    public async Task Failures_retry_after_a_backoff_then_give_up()
    {
        var job = await WithQueueAsync((q, _) => q.EnqueueAsync("flaky", "{}", null, CancellationToken.None));
        var claimed = await WithQueueAsync((q, _) => q.ClaimAsync("w", CancellationToken.None));
        Assert.True(await WithQueueAsync((q, _) => q.FailAsync(claimed!, "w", "boom", CancellationToken.None)));

        // Not claimable during the backoff, claimable after it.
        Assert.Null(await WithQueueAsync((q, _) => q.ClaimAsync("w", CancellationToken.None)));
        await Task.Delay(400, TestContext.Current.CancellationToken);
        var retried = await WithQueueAsync((q, _) => q.ClaimAsync("w", CancellationToken.None));
        Assert.Equal(2, retried!.Attempts);
        Assert.False(await WithQueueAsync((q, _) => q.FailAsync(retried, "w", "boom again", CancellationToken.None)));

        var row = await WithQueueAsync((_, db) => db.Jobs.AsNoTracking().FirstAsync(j => j.Id == job.Id));
        Assert.Equal(JobState.Failed, row.State);
        Assert.Equal("boom again", row.LastError);
    }
}
