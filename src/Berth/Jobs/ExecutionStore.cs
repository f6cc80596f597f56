using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Jobs;

/// <summary>One task of a new execution: the job that runs it and what the task records about itself.</summary>
/// <param name="JobKind">The handler that runs the task.</param>
/// <param name="Payload">The job's parameters.</param>
/// <param name="ExtraAttrs">The task's own JSON attributes (for retention: its repository).</param>
public sealed record TaskStart(string JobKind, string Payload, string ExtraAttrs);

/// <summary>Executions and tasks: the user-visible record of a policy run, kept in step with the jobs that do it.</summary>
/// <remarks>
/// An execution ends when its last task does: the task's final status is saved first, and only then are the other
/// tasks looked at. Of two tasks ending at once, at least the later save sees the other final, so an execution is never
/// left running with nothing left to run; closing is conditional on it still being open, so closing twice is harmless.
/// </remarks>
public sealed class ExecutionStore(BerthDbContext db, JobQueue queue, TimeProvider clock, IEnumerable<IExecutionObserver> observers)
{
    public const string Manual = "MANUAL";
    public const string Scheduled = "SCHEDULE";

    /// <summary>Records a new execution with one task and enqueues the job that runs it, in one transaction.</summary>
    public Task<Execution> StartAsync(string vendorType, long? vendorId, string trigger, string jobKind, string payload,
        CancellationToken cancellationToken) =>
        StartAsync(vendorType, vendorId, trigger, payload, [new TaskStart(jobKind, payload, payload)], null, cancellationToken);

    /// <summary>Records a new execution with its tasks and enqueues one job per task, in one transaction.</summary>
    /// <param name="vendorType">What ran: <c>GARBAGE_COLLECTION</c>, <c>RETENTION</c>, …</param>
    /// <param name="vendorId">The policy it ran for, where there is one.</param>
    /// <param name="trigger"><see cref="Manual"/> or <see cref="Scheduled"/>.</param>
    /// <param name="extraAttrs">The execution's JSON attributes.</param>
    /// <param name="tasks">The tasks; with none, the execution is a success at once.</param>
    /// <param name="nothingToDo">The status message of an execution without tasks.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task<Execution> StartAsync(string vendorType, long? vendorId, string trigger, string extraAttrs, IReadOnlyList<TaskStart> tasks,
        string? nothingToDo, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Part of the caller's transaction when it has one (a schedule firing), else its own.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var execution = new Execution
        {
            VendorType = vendorType,
            VendorId = vendorId,
            Trigger = trigger,
            Status = tasks.Count == 0 ? ExecutionStatus.Success : ExecutionStatus.Pending,
            StatusMessage = tasks.Count == 0 ? nothingToDo : null,
            ExtraAttrs = extraAttrs,
            StartTime = now,
            EndTime = tasks.Count == 0 ? now : null,
        };
        foreach (var start in tasks)
        {
            execution.Tasks.Add(new ExecutionTask { Status = ExecutionStatus.Pending, ExtraAttrs = start.ExtraAttrs, CreationTime = now, UpdateTime = now });
        }

        db.Executions.Add(execution);
        await db.SaveChangesAsync(cancellationToken);
        if (tasks.Count > 0)
        {
            await queue.EnqueueAsync(tasks.Select((t, i) => (t.JobKind, t.Payload, (long?)execution.Tasks[i].Id)).ToList(), cancellationToken);
        }

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
    /// <remarks>Results go on the task; on the execution too when it is the execution's only task (a GC's totals).</remarks>
    public async Task TaskUpdatedAsync(long taskId, ExecutionStatus status, string? message, string log,
        IReadOnlyDictionary<string, object?>? results, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var task = await db.ExecutionTasks.FirstAsync(t => t.Id == taskId, cancellationToken);
        task.Status = status;
        task.StatusMessage = message;
        task.Log += log;
        task.UpdateTime = now;
        if (results is not null)
        {
            task.ExtraAttrs = JobJson.Merge(task.ExtraAttrs, results);
            if (await db.ExecutionTasks.CountAsync(t => t.ExecutionId == task.ExecutionId, cancellationToken) == 1)
            {
                var execution = await db.Executions.FirstAsync(e => e.Id == task.ExecutionId, cancellationToken);
                execution.ExtraAttrs = JobJson.Merge(execution.ExtraAttrs, results);
            }
        }

        var final = IsFinal(status);
        if (final)
        {
            task.EndTime = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        if (final)
        {
            await CloseIfDoneAsync(task.ExecutionId, cancellationToken);
        }
    }

    /// <summary>Stops the tasks of an execution that no worker has taken yet; tasks already running finish.</summary>
    /// <returns>How many tasks were stopped.</returns>
    public async Task<int> StopAsync(long executionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A job is only cancelled while still pending, and a claim only takes a pending job: whichever comes first wins.
        var taskIds = db.ExecutionTasks.Where(t => t.ExecutionId == executionId).Select(t => t.Id);
        var cancelled = await db.Jobs.Where(j => j.TaskId != null && taskIds.Contains(j.TaskId.Value) && j.State == JobState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Cancelled).SetProperty(j => j.UpdatedAt, now), cancellationToken);
        var stopped = await db.ExecutionTasks
            .Where(t => t.ExecutionId == executionId && t.Status != ExecutionStatus.Success && t.Status != ExecutionStatus.Error
                && t.Status != ExecutionStatus.Stopped && db.Jobs.Any(j => j.TaskId == t.Id && j.State == JobState.Cancelled))
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, ExecutionStatus.Stopped)
                .SetProperty(t => t.StatusMessage, "stopped before it ran")
                .SetProperty(t => t.UpdateTime, now)
                .SetProperty(t => t.EndTime, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (cancelled > 0 || stopped > 0)
        {
            await CloseIfDoneAsync(executionId, cancellationToken);
        }

        return stopped;
    }

    public static bool IsFinal(ExecutionStatus status) => status is ExecutionStatus.Success or ExecutionStatus.Error or ExecutionStatus.Stopped;

    /// <summary>Closes the execution once no task is left open: Error if any task failed, else Stopped if any stopped, else Success.</summary>
    private async Task CloseIfDoneAsync(long executionId, CancellationToken cancellationToken)
    {
        var tasks = db.ExecutionTasks.AsNoTracking().Where(t => t.ExecutionId == executionId);
        if (await tasks.AnyAsync(t => t.Status != ExecutionStatus.Success && t.Status != ExecutionStatus.Error && t.Status != ExecutionStatus.Stopped,
                cancellationToken))
        {
            return;
        }

        var failed = await tasks.Where(t => t.Status == ExecutionStatus.Error).OrderBy(t => t.Id)
            .Select(t => new { t.StatusMessage }).FirstOrDefaultAsync(cancellationToken);
        var status = failed is not null ? ExecutionStatus.Error
            : await tasks.AnyAsync(t => t.Status == ExecutionStatus.Stopped, cancellationToken) ? ExecutionStatus.Stopped
            : ExecutionStatus.Success;
        var end = await tasks.MaxAsync(t => t.EndTime, cancellationToken) ?? clock.GetUtcNow().UtcDateTime;
        var vendorType = await db.Executions.AsNoTracking().Where(e => e.Id == executionId).Select(e => e.VendorType).FirstAsync(cancellationToken);
        var watching = observers.Where(o => o.VendorType == vendorType).ToList();
        await using var transaction = watching.Count > 0 && db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        var ended = await db.Executions
            .Where(e => e.Id == executionId && (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Status, status)
                .SetProperty(e => e.StatusMessage, failed == null ? null : failed.StatusMessage)
                .SetProperty(e => e.EndTime, end), cancellationToken);
        if (ended == 1 && watching.Count > 0)
        {
            var execution = await db.Executions.AsNoTracking().Include(e => e.Tasks).FirstAsync(e => e.Id == executionId, cancellationToken);
            foreach (var observer in watching)
            {
                await observer.EndedAsync(execution, cancellationToken);
            }
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }
}
