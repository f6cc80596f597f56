using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Events;

/// <summary>Empties the outbox: claims events, hands each to every <see cref="IEventConsumer"/>, and removes it. One per replica.</summary>
/// <remarks>
/// <para>
/// A claim is a conditional UPDATE that only takes rows no live claim holds, so replicas never share an event. The
/// consumers' writes and the removal of the events commit together, and the removal only counts rows this claim still
/// holds: if the claim lapsed and another replica took the events over meanwhile, everything rolls back and the other
/// replica's work stands. An event claimed by a dispatcher that died is claimed again once the lease has passed.
/// </para>
/// <para>
/// A batch is handed over in one transaction; if that fails, its events go one by one, so one bad event does not hold up
/// the rest. An event that keeps failing is set aside after <see cref="EventOptions.MaxAttempts"/>, with its error.
/// </para>
/// </remarks>
public sealed partial class EventDispatcher(IServiceScopeFactory scopes, IOptions<EventOptions> options, EventSignal signal, TimeProvider clock,
    ILogger<EventDispatcher> logger) : BackgroundService
{
    // A claim is this name and a GUID; the column holds 128 characters.
    private readonly string _owner = Clip($"{Environment.MachineName}/{Environment.ProcessId}", 90);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = await DispatchAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogLoopFailed(logger, ex);
            }

            if (handled == 0)
            {
                try
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims and hands on one batch; returns how many events it handled (0 when the outbox was empty).</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var claim = $"{_owner}/{Guid.NewGuid():N}";
        List<long> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            var candidates = await Claimable(db.Events, now).OrderBy(e => e.Id).Select(e => e.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
            if (candidates.Count == 0)
            {
                return 0;
            }

            await Claimable(db.Events, now).Where(e => candidates.Contains(e.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedBy, claim).SetProperty(e => e.ClaimedUntil, now + settings.LeaseDuration),
                    cancellationToken);
            ids = await db.Events.Where(e => e.ClaimedBy == claim).OrderBy(e => e.Id).Select(e => e.Id).ToListAsync(cancellationToken);
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        try
        {
            await HandAsync(ids, claim, cancellationToken);
            return ids.Count;
        }
        catch (Exception ex) when (ids.Count > 1 && !cancellationToken.IsCancellationRequested)
        {
            LogBatchFailed(logger, ex, ids.Count);
        }

        foreach (var id in ids)
        {
            try
            {
                await HandAsync([id], claim, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                await FailAsync(id, claim, ex, cancellationToken);
            }
        }

        return ids.Count;
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[^length..];

    private static IQueryable<OutboxEvent> Claimable(IQueryable<OutboxEvent> events, DateTime now) =>
        events.Where(e => !e.Failed && (e.ClaimedUntil == null || e.ClaimedUntil < now));

    private async Task HandAsync(List<long> ids, string claim, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<BerthDbContext>();
        var consumers = services.GetServices<IEventConsumer>().ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var events = await db.Events.AsNoTracking().Where(e => ids.Contains(e.Id) && e.ClaimedBy == claim).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var projects = new Dictionary<string, EventProject?>(StringComparer.Ordinal);
        foreach (var row in events)
        {
            var data = EventData.Parse(row.Data);
            var dispatched = new DispatchedEvent(row, data, await ProjectAsync(db, row, data, projects, cancellationToken));
            foreach (var consumer in consumers)
            {
                await consumer.HandleAsync(dispatched, cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        var removed = await db.Events.Where(e => ids.Contains(e.Id) && e.ClaimedBy == claim).ExecuteDeleteAsync(cancellationToken);
        if (removed != events.Count)
        {
            // The claim lapsed and another dispatcher holds some of these now: its work stands, this one's goes.
            await transaction.RollbackAsync(cancellationToken);
            LogClaimLost(logger, events.Count - removed);
            return;
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The event's project: by id for project events (a deleted project keeps its name in the event), else by name.</summary>
    private static async Task<EventProject?> ProjectAsync(BerthDbContext db, OutboxEvent row, EventData data, Dictionary<string, EventProject?> known,
        CancellationToken cancellationToken)
    {
        if (row.ProjectId is { } id)
        {
            return await db.Projects.AsNoTracking().Where(p => p.Id == id).Select(p => new EventProject(p.Id, p.Name, p.Public))
                .FirstOrDefaultAsync(cancellationToken) ?? new EventProject(id, data.Project ?? "", false);
        }

        if (data.Project is not { } name)
        {
            return null;
        }

        if (!known.TryGetValue(name, out var project))
        {
            project = await db.Projects.AsNoTracking().Where(p => p.Name == name).Select(p => new EventProject(p.Id, p.Name, p.Public))
                .FirstOrDefaultAsync(cancellationToken);
            known[name] = project;
        }

        return project;
    }

    private async Task FailAsync(long id, string claim, Exception error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var retryAt = clock.GetUtcNow().UtcDateTime + settings.RetryDelay;
        LogEventFailed(logger, error, id);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        await db.Events.Where(e => e.Id == id && e.ClaimedBy == claim).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Attempts, e => e.Attempts + 1)
            .SetProperty(e => e.Failed, e => e.Attempts + 1 >= settings.MaxAttempts)
            .SetProperty(e => e.LastError, error.Message)
            .SetProperty(e => e.ClaimedUntil, retryAt), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the event dispatcher failed; it tries again")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "handing on a batch of {Count} events failed; handing them on one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "handing on event {Id} failed; it is tried again later")]
    private static partial void LogEventFailed(ILogger logger, Exception exception, long id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} claimed events were taken over by another dispatcher; this one's work on them is undone")]
    private static partial void LogClaimLost(ILogger logger, int count);
}
