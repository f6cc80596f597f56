using Berth.Data;
using Berth.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Manifests;

/// <summary>Writes the pull times <see cref="PullRecorder"/> collected, in one transaction per interval, and once more at shutdown.</summary>
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

    /// <summary>Writes what was recorded; a pull time only ever moves forward.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var (artifacts, tags) = recorder.Drain();
        if (artifacts.Count == 0 && tags.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (id, at) in artifacts)
        {
            await db.Artifacts.Where(a => a.Id == id && (a.PullTime == null || a.PullTime < at))
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.PullTime, at), cancellationToken);
        }

        foreach (var (id, at) in tags)
        {
            await db.Tags.Where(t => t.Id == id && (t.PullTime == null || t.PullTime < at))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.PullTime, at), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "recording pull times failed; they are dropped")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
