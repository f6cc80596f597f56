using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Jobs;

/// <summary>Executions and tasks: the user-visible record of a policy run, kept in step with the jobs that do it.</summary>
public sealed class ExecutionStore(BerthDbContext db, JobQueue queue, TimeProvider clock)
{
    public const string Manual = "MANUAL";
    public const string Scheduled = "SCHEDULE";

    /// <summary>Records a new execution with one task and enqueues the job that runs it, in one transaction.</summary>
    public async Task<Execution> StartAsync(string vendorType, long? vendorId, string trigger, string jobKind, string payload,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Part of the caller's transaction when it has one (a schedule firing), else its own.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var execution = new Execution
        {
            VendorType = vendorType,
            VendorId = vendorId,
            Trigger = trigger,
            Status = ExecutionStatus.Pending,
            ExtraAttrs = payload,
            StartTime = now,
        };
        var task = new ExecutionTask { Status = ExecutionStatus.Pending, ExtraAttrs = payload, CreationTime = now, UpdateTime = now };
        execution.Tasks.Add(task);
        db.Executions.Add(execution);
        await db.SaveChangesAsync(cancellationToken);
        await queue.EnqueueAsync(jobKind, payload, task.Id, cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return execution;
    }

    public async Task TaskStartedAsync(long taskId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var task = await db.ExecutionTasks.Include(t => t.Execution).FirstAsync(t => t.Id == taskId, cancellationToken);
        task.Status = ExecutionStatus.Running;
        task.StartTime ??= now;
        task.UpdateTime = now;
        task.RunCount++;
        if (task.Execution!.Status == ExecutionStatus.Pending)
        {
            task.Execution.Status = ExecutionStatus.Running;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Appends to the task's log and, for a final status, closes the task and (when all its tasks are done) the execution.</summary>
    public async Task TaskUpdatedAsync(long taskId, ExecutionStatus status, string? message, string log,
        IReadOnlyDictionary<string, object?>? results, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var task = await db.ExecutionTasks.Include(t => t.Execution).ThenInclude(e => e!.Tasks).FirstAsync(t => t.Id == taskId, cancellationToken);
        task.Status = status;
        task.StatusMessage = message;
        task.Log += log;
        task.UpdateTime = now;
        var execution = task.Execution!;
        if (results is not null)
        {
            task.ExtraAttrs = JobJson.Merge(task.ExtraAttrs, results);
            execution.ExtraAttrs = JobJson.Merge(execution.ExtraAttrs, results);
        }

        if (status is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Stopped)
        {
            task.EndTime = now;
            if (execution.Tasks.All(t => t.Status is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Stopped))
            {
                execution.Status = execution.Tasks.Any(t => t.Status == ExecutionStatus.Error) ? ExecutionStatus.Error
                    : execution.Tasks.Any(t => t.Status == ExecutionStatus.Stopped) ? ExecutionStatus.Stopped
                    : ExecutionStatus.Success;
                execution.StatusMessage = message;
                execution.EndTime = now;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
