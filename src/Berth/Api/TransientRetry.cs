using Berth.Data;
using Berth.Metrics;

namespace Berth.Api;

/// <summary>
/// Runs a unit of database work (one transaction) again when the database aborted it as a deadlock's victim or a
/// serialization failure, a few times, and counts each abort (<c>berth_database_transient_aborts_total</c>).
/// </summary>
/// <remarks>
/// PostgreSQL under READ COMMITTED picks a victim when concurrent pushes lock the same rows in different orders; SQLite
/// serialises writers and never gets here. Work inside a transaction the caller opened is not retried: only the caller
/// can run its whole transaction again.
/// </remarks>
public sealed partial class TransientRetry(BerthDbContext db, BerthMetrics metrics, ILogger<TransientRetry> logger)
{
    private const int Attempts = 5;

    /// <param name="operation">What the work is, as the metric's <c>operation</c> label: a short, fixed name.</param>
    /// <param name="work">The work; it must leave nothing behind when aborted (one transaction, or one statement).</param>
    /// <param name="cancellationToken">Cancels the waits between attempts.</param>
    public async Task<T> RunAsync<T>(string operation, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception e) when (DatabaseErrors.IsTransient(e) && Count(operation, attempt))
            {
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50) * attempt), cancellationToken);
            }
        }
    }

    /// <summary>Counts and logs the abort; true when the work is to run again.</summary>
    private bool Count(string operation, int attempt)
    {
        var retry = attempt < Attempts && db.Database.CurrentTransaction is null;
        metrics.TransientAborts.Add(1, new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", retry ? "retried" : "gave_up"));
        if (retry)
        {
            LogRetry(logger, operation, attempt);
        }
        else
        {
            LogGiveUp(logger, operation, attempt);
        }

        return retry;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation}: the database aborted attempt {Attempt} (a deadlock or a serialization failure); running it again")]
    private static partial void LogRetry(ILogger logger, string operation, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation}: the database aborted attempt {Attempt} (a deadlock or a serialization failure); giving up")]
    private static partial void LogGiveUp(ILogger logger, string operation, int attempt);
}
