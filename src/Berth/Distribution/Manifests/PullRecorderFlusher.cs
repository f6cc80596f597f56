using Berth.Data;
using Berth.Events;
using Berth.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Manifests;

/// <summary>Writes the pull times, counts and pull events <see cref="PullRecorder"/> collected, in one transaction per interval, and once more at shutdown.</summary>
public sealed partial class PullRecorderFlusher(
    PullRecorder recorder, IServiceScopeFactory scopes, IOptions<DistributionOptions> options, TimeProvider clock, ILogger<PullRecorderFlusher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.PullTimeFlushInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushQuietlyAsync(CancellationToken.None);
        }

        await FlushQuietlyAsync(CancellationToken.None);
    }

    /// <summary>Writes what was recorded: a pull time only ever moves forward, a repository's pull count only up.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = recorder.Drain();
        if (batch.IsEmpty)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (id, at) in batch.Artifacts)
        {
            await db.Artifacts.Where(a => a.Id == id && (a.PullTime == null || a.PullTime < at))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.PullTime, at), cancellationToken);
        }

        foreach (var (id, at) in batch.Tags)
        {
            await db.Tags.Where(t => t.Id == id && (t.PullTime == null || t.PullTime < at))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.PullTime, at), cancellationToken);
        }

        foreach (var (id, count) in batch.RepositoryPulls)
        {
            await db.Repositories.Where(r => r.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.PullCount, r => r.PullCount + count), cancellationToken);
        }

        var events = scope.ServiceProvider.GetRequiredService<EventLog>();
        foreach (var (key, group) in batch.Pulls)
        {
            var times = group.Times();
            if (times.Count == 0)
            {
                continue; // not reached: a group is made together with its first time, and Drain waits for both
            }

            var data = EventData.ForArtifact(key.Repository, key.Digest, key.Tag is { } tag ? [tag] : []);
            data.Times = times.Count > 1 ? times : null;
            events.Add(EventTypes.PullArtifact, data, null, group.First, times[0]);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (batch.DroppedEvents > 0)
        {
            LogEventsDropped(logger, batch.DroppedEvents);
        }
    }

    private async Task FlushQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            LogFlushFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} pulls in one interval went past the limit of pull events; they were counted but raised no event")]
    private static partial void LogEventsDropped(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recording pull times failed; they are dropped")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
