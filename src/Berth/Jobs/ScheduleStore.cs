using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Jobs;

/// <summary>Creates, changes and removes schedules by name.</summary>
public sealed class ScheduleStore(BerthDbContext db, TimeProvider clock)
{
    public Task<Schedule?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, cancellationToken);

    /// <summary>Makes the schedule <paramref name="name"/> exist as given, for no policy in particular.</summary>
    public Task<Schedule> EnsureAsync(string name, string? cron, TimeSpan? interval, string jobKind, string payload, string? vendorType,
        CancellationToken cancellationToken) =>
        EnsureAsync(name, cron, interval, jobKind, payload, vendorType, null, cancellationToken);

    /// <summary>Makes the schedule <paramref name="name"/> exist as given; its next run is recomputed only when its timing changed.</summary>
    /// <param name="name">The schedule's unique name.</param>
    /// <param name="cron">A six-field cron, or null for an interval schedule.</param>
    /// <param name="interval">The interval, when <paramref name="cron"/> is null.</param>
    /// <param name="jobKind">The job each firing enqueues.</param>
    /// <param name="payload">The job's parameters.</param>
    /// <param name="vendorType">When set, each firing is recorded as an execution of this type.</param>
    /// <param name="vendorId">The policy each firing's execution runs for (the launcher of <paramref name="vendorType"/> reads it).</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    public async Task<Schedule> EnsureAsync(string name, string? cron, TimeSpan? interval, string jobKind, string payload, string? vendorType,
        long? vendorId, CancellationToken cancellationToken)
    {
        if (cron is not null && !Cron.TryParse(cron, out _))
        {
            throw new FormatException($"'{cron}' is not a six-field cron expression (seconds first)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var seconds = cron is null ? (long)(interval ?? TimeSpan.FromDays(1)).TotalSeconds : (long?)null;
        var schedule = await db.Schedules.FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
        if (schedule is null)
        {
            schedule = new Schedule { Name = name, JobKind = jobKind, CreatedAt = now };
            db.Schedules.Add(schedule);
        }

        var timingChanged = schedule.Id == 0 || schedule.Cron != cron || schedule.IntervalSeconds != seconds;
        schedule.Cron = cron;
        schedule.IntervalSeconds = seconds;
        schedule.JobKind = jobKind;
        schedule.Payload = payload;
        schedule.VendorType = vendorType;
        schedule.VendorId = vendorId;
        schedule.UpdatedAt = now;
        if (timingChanged)
        {
            schedule.NextRunAt = Scheduler.NextRun(schedule, now);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (schedule.Id == 0)
        {
            // Another replica created it at the same moment with the same settings.
            db.Entry(schedule).State = EntityState.Detached;
            return await db.Schedules.AsNoTracking().FirstAsync(s => s.Name == name, cancellationToken);
        }

        return schedule;
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken) =>
        await db.Schedules.Where(s => s.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;
}
