using System.Collections.Concurrent;

namespace Berth.Distribution.Manifests;

/// <summary>Collects pull times and counts in memory so that a pull never waits for a database write.</summary>
/// <remarks>
/// Only the latest time per artifact and per tag is kept, and one count per repository; <see cref="PullRecorderFlusher"/>
/// writes them in one batch every few seconds. A crash loses at most that interval's pulls, which only retention by pull
/// time and the repositories' <c>pull_count</c> read.
/// </remarks>
public sealed class PullRecorder
{
    private PullBatch _batch = new();

    public void Record(ManifestHead head, DateTime at)
    {
        var batch = Volatile.Read(ref _batch);
        batch.Artifacts[head.ArtifactId] = at;
        if (head.TagId is { } tagId)
        {
            batch.Tags[tagId] = at;
        }

        batch.RepositoryPulls.AddOrUpdate(head.RepositoryId, 1, (_, count) => count + 1);
    }

    /// <summary>Takes what was recorded since the last call.</summary>
    /// <remarks>A pull recorded at the very moment its batch is written may be missed, as the pulls of an interval cut short by a crash are.</remarks>
    public PullBatch Drain() => Interlocked.Exchange(ref _batch, new());
}

/// <summary>Pulls recorded during one interval: latest times per artifact and per tag, counts per repository.</summary>
public sealed class PullBatch
{
    public ConcurrentDictionary<long, DateTime> Artifacts { get; } = new();

    public ConcurrentDictionary<long, DateTime> Tags { get; } = new();

    public ConcurrentDictionary<long, long> RepositoryPulls { get; } = new();

    public bool IsEmpty => Artifacts.IsEmpty && Tags.IsEmpty && RepositoryPulls.IsEmpty;
}
