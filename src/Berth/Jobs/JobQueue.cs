using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Jobs;

/// <summary>The durable queue: enqueue, claim under a lease, renew, finish, retry with backoff.</summary>
/// <remarks>
/// A claim is one conditional UPDATE that only succeeds while the job is still claimable, so however many workers
/// and replicas race for a job exactly one gets it, on any database. On PostgreSQL the claim picks its row with
/// <c>FOR UPDATE SKIP LOCKED</c>, so racing workers take different jobs instead of colliding on the oldest. A job whose worker died stays Running with a
/// lapsed lease and is claimable again once the lease has expired.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the durable job queue of the architecture, not a collection type.")]
public sealed class JobQueue(BerthDbContext db, TimeProvider clock, IOptions<JobOptions> options, JobSignal signal)
{
    private JobOptions Options => options.Value;

    public async Task<Job> EnqueueAsync(string kind, string payload, long? taskId, CancellationToken cancellationToken) =>
        (await EnqueueAsync([(kind, payload, taskId)], cancellationToken))[0];

    /// <summary>Enqueues several jobs with one round trip (the tasks of one execution).</summary>
    public async Task<IReadOnlyList<Job>> EnqueueAsync(IReadOnlyList<(string Kind, string Payload, long? TaskId)> jobs,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var added = jobs.Select(j => new Job
        {
            Kind = j.Kind,
            Payload = j.Payload,
            State = JobState.Pending,
            MaxAttempts = Options.MaxAttempts,
            RunAfter = now,
            TaskId = j.TaskId,
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();
        db.Jobs.AddRange(added);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return added;
    }

    /// <summary>Claims the oldest claimable job for <paramref name="owner"/>, or returns null when there is none.</summary>
    public async Task<Job?> ClaimAsync(string owner, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (db.Database.IsNpgsql())
        {
            // An idle queue is the common case: a plain read, so that polling writes nothing.
            var any = await db.Jobs.AsNoTracking()
                .AnyAsync(j => (j.State == JobState.Pending && j.RunAfter <= now) || (j.State == JobState.Running && j.LeaseExpiresAt < now), cancellationToken);
            return any ? await ClaimSkippingLockedAsync(owner, now, cancellationToken) : null;
        }

        var candidates = await db.Jobs.AsNoTracking()
            .Where(j => (j.State == JobState.Pending && j.RunAfter <= now) || (j.State == JobState.Running && j.LeaseExpiresAt < now))
            .OrderBy(j => j.Id).Select(j => j.Id).Take(8).ToListAsync(cancellationToken);
        var expires = now + Options.LeaseDuration;
        foreach (var id in candidates)
        {
            var claimed = await db.Jobs
                .Where(j => j.Id == id
                    && ((j.State == JobState.Pending && j.RunAfter <= now) || (j.State == JobState.Running && j.LeaseExpiresAt < now)))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.State, JobState.Running)
                    .SetProperty(j => j.LeaseOwner, owner)
                    .SetProperty(j => j.LeaseExpiresAt, expires)
                    .SetProperty(j => j.Attempts, j => j.Attempts + 1)
                    .SetProperty(j => j.UpdatedAt, now), cancellationToken);
            if (claimed == 1)
            {
                return await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// PostgreSQL's claim: one statement that locks the oldest claimable row nobody else has locked, skipping rows other
    /// workers are claiming at that moment instead of queueing behind them, and marks it running under the lease.
    /// </summary>
    private async Task<Job?> ClaimSkippingLockedAsync(string owner, DateTime now, CancellationToken cancellationToken)
    {
        var expires = now + Options.LeaseDuration;
        var (pending, running) = ((int)JobState.Pending, (int)JobState.Running);
        var claimed = await db.Jobs.FromSqlInterpolated($"""
            UPDATE jobs SET "State" = {running}, "LeaseOwner" = {owner}, "LeaseExpiresAt" = {expires},
                "Attempts" = "Attempts" + 1, "UpdatedAt" = {now}
            WHERE "Id" = (
                SELECT "Id" FROM jobs
                WHERE ("State" = {pending} AND "RunAfter" <= {now}) OR ("State" = {running} AND "LeaseExpiresAt" < {now})
                ORDER BY "Id" LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        return claimed.FirstOrDefault();
    }

    /// <summary>Extends the lease; false when <paramref name="owner"/> no longer holds the job.</summary>
    public async Task<bool> RenewAsync(long id, string owner, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Jobs.Where(j => j.Id == id && j.LeaseOwner == owner && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, now + Options.LeaseDuration).SetProperty(j => j.UpdatedAt, now),
                cancellationToken) == 1;
    }

    public Task<bool> SucceedAsync(long id, string owner, CancellationToken cancellationToken) =>
        FinishAsync(id, owner, JobState.Succeeded, null, cancellationToken);

    /// <summary>Records a failed attempt: back to pending after a backoff, or failed for good after the last attempt.</summary>
    /// <returns>True when the job will be tried again.</returns>
    public async Task<bool> FailAsync(Job job, string owner, string error, CancellationToken cancellationToken)
    {
        if (job.Attempts >= job.MaxAttempts)
        {
            await FinishAsync(job.Id, owner, JobState.Failed, error, cancellationToken);
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var backoff = Options.RetryBackoff * Math.Pow(2, Math.Max(0, job.Attempts - 1));
        await db.Jobs.Where(j => j.Id == job.Id && j.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Pending)
                .SetProperty(j => j.RunAfter, now + backoff)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.LastError, error)
                .SetProperty(j => j.UpdatedAt, now), cancellationToken);
        return true;
    }

    /// <summary>Hands a job back untouched (this process is shutting down), so another worker takes it at once.</summary>
    public async Task ReleaseAsync(long id, string owner, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Jobs.Where(j => j.Id == id && j.LeaseOwner == owner && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Pending)
                .SetProperty(j => j.Attempts, j => j.Attempts - 1)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.UpdatedAt, now), cancellationToken);
    }

    private async Task<bool> FinishAsync(long id, string owner, JobState state, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Jobs.Where(j => j.Id == id && j.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, state)
                .SetProperty(j => j.LastError, error)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.UpdatedAt, now), cancellationToken) == 1;
    }
}
