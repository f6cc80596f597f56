namespace Berth.Jobs;

/// <summary>Runs jobs of one kind. Handlers are scoped: each job gets a fresh one with its own DbContext.</summary>
public interface IJobHandler
{
    /// <summary>The job kind this handler runs (<c>gc</c>, <c>upload-purge</c>).</summary>
    string Kind { get; }

    /// <summary>Does the work. Throwing fails the attempt; the queue retries with backoff up to its limit.</summary>
    /// <returns>The results to keep on the task and its execution (merged into their <c>extra_attrs</c>), or null.</returns>
    Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken);
}
