using Berth.Data.Entities;
using Microsoft.Extensions.Options;

namespace Berth.Jobs;

/// <summary>Works the queue: claims jobs up to <see cref="JobOptions.Workers"/> at a time and runs them under a renewed lease.</summary>
public sealed class JobWorker(IServiceScopeFactory scopes, IOptions<JobOptions> options, JobSignal signal, Metrics.BerthMetrics metrics,
    ILogger<JobWorker> logger)
    : BackgroundService
{
    /// <summary>This process's name on the leases it holds.</summary>
    public string Owner { get; } = OwnerName();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var slots = new SemaphoreSlim(settings.Workers, settings.Workers);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                var job = await TryClaimAsync(stoppingToken);
                if (job is null)
                {
                    slots.Release();
                    await signal.WaitAsync(settings.PollInterval, stoppingToken);
                    continue;
                }

                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await RunAsync(job, stoppingToken);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task<Job?> TryClaimAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<JobQueue>().ClaimAsync(Owner, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            JobLog.LoopFailed(logger, ex, "job claim");
            return null;
        }
    }

    private async Task RunAsync(Job job, CancellationToken stoppingToken)
    {
        JobLog.Claimed(logger, job.Id, job.Kind, Owner, job.Attempts);
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var queue = services.GetRequiredService<JobQueue>();
        var executions = services.GetRequiredService<ExecutionStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var context = new JobContext(job.Id, job.Payload, logger, clock);

        var handler = services.GetServices<IJobHandler>().FirstOrDefault(h => h.Kind == job.Kind);
        if (handler is null || job.Attempts > job.MaxAttempts)
        {
            var reason = handler is null ? $"no handler for job kind '{job.Kind}'" : $"gave up after {job.MaxAttempts} attempts whose workers died";
            context.Log(reason);
            job.Attempts = job.MaxAttempts;
            await queue.FailAsync(job, Owner, reason, CancellationToken.None);
            await UpdateTaskAsync(executions, job, ExecutionStatus.Error, reason, context, null);
            Count(job, "failed");
            return;
        }

        if (job.TaskId is { } taskId)
        {
            await executions.TaskStartedAsync(taskId, CancellationToken.None);
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var renewal = StartLeaseRenewal(job.Id, lease);
        try
        {
            var results = await handler.RunAsync(context, lease.Token);
            await lease.CancelAsync();
            if (await queue.SucceedAsync(job.Id, Owner, CancellationToken.None))
            {
                await UpdateTaskAsync(executions, job, ExecutionStatus.Success, null, context, results);
                Count(job, "succeeded");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            context.Log("stopped: this process is shutting down; another worker will run the job");
            await queue.ReleaseAsync(job.Id, Owner, CancellationToken.None);
            await UpdateTaskAsync(executions, job, ExecutionStatus.Pending, "released at shutdown", context, null);
            Count(job, "released");
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            JobLog.LeaseLost(logger, job.Id);
            Count(job, "lease_lost");
        }
        catch (Exception ex)
        {
            JobLog.Failed(logger, ex, job.Id, job.Kind, job.Attempts);
            context.Log($"attempt {job.Attempts} of {job.MaxAttempts} failed: {ex.Message}");
            var retrying = await queue.FailAsync(job, Owner, ex.Message, CancellationToken.None);
            await UpdateTaskAsync(executions, job, retrying ? ExecutionStatus.Running : ExecutionStatus.Error, ex.Message, context, null);
            Count(job, retrying ? "retrying" : "failed");
        }
    }

    private void Count(Job job, string outcome) =>
        metrics.JobsCompleted.Add(1, new KeyValuePair<string, object?>("kind", job.Kind), new KeyValuePair<string, object?>("outcome", outcome));

    private static string OwnerName()
    {
        var name = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        return name.Length <= 128 ? name : name[^128..];
    }

    private static async Task UpdateTaskAsync(ExecutionStore executions, Job job, ExecutionStatus status, string? message, JobContext context,
        IReadOnlyDictionary<string, object?>? results)
    {
        if (job.TaskId is { } taskId)
        {
            await executions.TaskUpdatedAsync(taskId, status, message, context.Text, results, CancellationToken.None);
        }
    }

    /// <summary>Renews the lease every third of its length; cancels the job if another worker took it over.</summary>
    private Timer StartLeaseRenewal(long jobId, CancellationTokenSource lease)
    {
        var period = options.Value.LeaseDuration / 3;
        var busy = 0;
        return new Timer(_ =>
        {
            if (Interlocked.Exchange(ref busy, 1) == 1 || lease.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    if (!await scope.ServiceProvider.GetRequiredService<JobQueue>().RenewAsync(jobId, Owner, CancellationToken.None))
                    {
                        await lease.CancelAsync();
                    }
                }
                catch (Exception ex) when (ex is not ObjectDisposedException)
                {
                    JobLog.LoopFailed(logger, ex, "lease renewal");
                }
                catch (ObjectDisposedException)
                {
                }
                finally
                {
                    Volatile.Write(ref busy, 0);
                }
            });
        }, null, period, period);
    }
}
