using System.Collections.Concurrent;

namespace Berth.Distribution.Manifests;

/// <summary>Collects pull times in memory so that a pull never waits for a database write.</summary>
/// <remarks>
/// Only the latest time per artifact and per tag is kept; <see cref="PullRecorderFlusher"/> writes them in one batch every
/// few seconds. A crash loses at most that interval's pull times, which only retention by pull time reads.
/// </remarks>
public sealed class PullRecorder
{
    private ConcurrentDictionary<long, DateTime> _artifacts = new();
    private ConcurrentDictionary<long, DateTime> _tags = new();

    public void Record(ManifestHead head, DateTime at)
    {
        _artifacts[head.ArtifactId] = at;
        if (head.TagId is { } tagId)
        {
            _tags[tagId] = at;
        }
    }

    /// <summary>Takes what was recorded since the last call.</summary>
    public (IReadOnlyDictionary<long, DateTime> Artifacts, IReadOnlyDictionary<long, DateTime> Tags) Drain() =>
        (Interlocked.Exchange(ref _artifacts, new()), Interlocked.Exchange(ref _tags, new()));
}
