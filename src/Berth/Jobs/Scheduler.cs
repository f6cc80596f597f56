using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Jobs;

/// <summary>Fires due schedules. Every replica runs it; a firing belongs to whoever first moves the due time on.</summary>
/// <remarks>Due times missed while no replica ran are not replayed: a schedule fires once and moves to its next future time.</remarks>
public sealed class Scheduler(IServiceScopeFactory scopes, IOptions<JobOptions> options, TimeProvider clock, ILogger<Scheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FireDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                JobLog.LoopFailed(logger, ex, "scheduler");
            }

            try
            {
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Fires every schedule that is due now; returns how many this process fired.</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Schedules.AsNoTracking().Where(s => s.NextRunAt <= now).ToListAsync(cancellationToken);
        var fired = 0;
        foreach (var schedule in due)
        {
            var next = NextRun(schedule, now);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var won = await db.Schedules.Where(s => s.Id == schedule.Id && s.NextRunAt == schedule.NextRunAt)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRunAt, next).SetProperty(x => x.UpdatedAt, now), cancellationToken);
            if (won != 1)
            {
                continue;
            }

            (string What, long Id) started;
            if (schedule.VendorType is { } vendorType)
            {
                var launcher = scope.ServiceProvider.GetServices<IExecutionLauncher>().FirstOrDefault(l => l.VendorType == vendorType);
                var execution = launcher is not null
                    ? await launcher.LaunchAsync(schedule, cancellationToken)
                    : await scope.ServiceProvider.GetRequiredService<ExecutionStore>()
                        .StartAsync(vendorType, schedule.VendorId, ExecutionStore.Scheduled, schedule.JobKind, schedule.Payload, cancellationToken);
                started = execution is null ? ("nothing", 0) : ("execution", execution.Id);
            }
            else
            {
                started = ("job", (await scope.ServiceProvider.GetRequiredService<JobQueue>()
                    .EnqueueAsync(schedule.JobKind, schedule.Payload, null, cancellationToken)).Id);
            }

            await transaction.CommitAsync(cancellationToken);
            JobLog.Fired(logger, schedule.Name, started.What, started.Id, next);
            fired++;
        }

        return fired;
    }

    /// <summary>The schedule's next due time strictly after <paramref name="now"/>.</summary>
    public static DateTime NextRun(Schedule schedule, DateTime now) => schedule.Cron is { } cron
        ? Cron.Parse(cron).NextAfter(now)
        : now + TimeSpan.FromSeconds(Math.Max(1, schedule.IntervalSeconds ?? 86_400));
}
