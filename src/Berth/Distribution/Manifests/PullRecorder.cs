using System.Collections.Concurrent;
using Berth.Events;

namespace Berth.Distribution.Manifests;

/// <summary>Collects pull times and counts in memory so that a pull never waits for a database write.</summary>
/// <remarks>
/// Only the latest time per artifact and per tag is kept, and one count per repository. Each pull's time is also kept,
/// grouped by who pulled what by which tag, so that <see cref="PullRecorderFlusher"/> records one <c>PULL_ARTIFACT</c>
/// event per group (with every pull's time) rather than one per request: a client that pulls the same manifest
/// thousands of times costs thousands of timestamps, not thousands of rows to write, claim and delete. The flusher writes
/// a batch every few seconds. A crash loses at most that interval's pulls, which only retention by pull time, the
/// repositories' <c>pull_count</c>, the audit log's pulls and pull webhooks read. A batch keeps at most
/// <see cref="MaxEventsPerBatch"/> pull times; pulls beyond that still count and move pull times, but raise no event.
/// </remarks>
public sealed class PullRecorder
{
    public const int MaxEventsPerBatch = 100_000;

    private PullBatch _batch = new();

    /// <param name="head">The manifest that was served.</param>
    /// <param name="at">When.</param>
    /// <param name="repository">The repository's name.</param>
    /// <param name="tag">The tag it was pulled by, or null for a pull by digest.</param>
    /// <param name="origin">Who pulled.</param>
    public void Record(ManifestHead head, DateTime at, string repository, string? tag, EventOrigin origin)
    {
        while (true)
        {
            // A pull writes into a batch only while counted among its writers, and only while the batch is still the
            // current one; Drain waits for the writers of the batch it takes, so no pull lands in a batch already written.
            var batch = Volatile.Read(ref _batch);
            Interlocked.Increment(ref batch.Writers);
            try
            {
                if (ReferenceEquals(Volatile.Read(ref _batch), batch))
                {
                    Write(batch, head, at, repository, tag, origin);
                    return;
                }
            }
            finally
            {
                Interlocked.Decrement(ref batch.Writers);
            }
        }
    }

    private static void Write(PullBatch batch, ManifestHead head, DateTime at, string repository, string? tag, EventOrigin origin)
    {
        batch.Artifacts[head.ArtifactId] = at;
        if (head.TagId is { } tagId)
        {
            batch.Tags[tagId] = at;
        }

        batch.RepositoryPulls.AddOrUpdate(head.RepositoryId, 1, (_, count) => count + 1);
        if (Interlocked.Increment(ref batch.EventCount) <= MaxEventsPerBatch)
        {
            var group = batch.Pulls.GetOrAdd(new PullKey(repository, head.Digest, tag, origin.Operator), static (_, origin) => new PullGroup(origin), origin);
            group.Add(at);
        }
        else
        {
            Interlocked.Increment(ref batch.DroppedEvents);
        }
    }

    /// <summary>Takes what was recorded since the last call, once the pulls writing into it at that moment are done.</summary>
    public PullBatch Drain()
    {
        var drained = Interlocked.Exchange(ref _batch, new());
        var spin = default(SpinWait);
        while (Volatile.Read(ref drained.Writers) != 0)
        {
            spin.SpinOnce();
        }

        return drained;
    }
}

/// <summary>Pulls recorded during one interval: latest times per artifact and per tag, counts per repository.</summary>
public sealed class PullBatch
{
    public ConcurrentDictionary<long, DateTime> Artifacts { get; } = new();

    public ConcurrentDictionary<long, DateTime> Tags { get; } = new();

    public ConcurrentDictionary<long, long> RepositoryPulls { get; } = new();

    /// <summary>Each pull's time, by who pulled what by which tag, for the <c>PULL_ARTIFACT</c> events.</summary>
    public ConcurrentDictionary<PullKey, PullGroup> Pulls { get; } = new();

    /// <summary>Pulls recorded into this batch, events or not (a field: it is counted with <see cref="Interlocked"/>).</summary>
#pragma warning disable CA1051 // Interlocked needs a field; the batch is a plain carrier between the recorder and its flusher.
    public int EventCount;

    /// <summary>Pulls past <see cref="PullRecorder.MaxEventsPerBatch"/>, recorded without an event.</summary>
    public int DroppedEvents;
#pragma warning restore CA1051

    /// <summary>Pulls writing into this batch at the moment: <see cref="PullRecorder.Drain"/> waits for them.</summary>
    internal int Writers;

    public bool IsEmpty => Artifacts.IsEmpty && Tags.IsEmpty && RepositoryPulls.IsEmpty && Pulls.IsEmpty;
}

/// <summary>What a group of pulls shares: the repository, the manifest's digest, the tag it went by (null for a digest), and who.</summary>
public readonly record struct PullKey(string Repository, string Digest, string? Tag, string Operator);

/// <summary>The pulls of one <see cref="PullKey"/> in one interval: the first one's origin (its request id) and every pull's time.</summary>
public sealed class PullGroup(EventOrigin first)
{
    private readonly List<DateTime> _times = [];

    public EventOrigin First { get; } = first;

    public void Add(DateTime at)
    {
        lock (_times)
        {
            _times.Add(at);
        }
    }

    /// <summary>The pulls' times, in order.</summary>
    public List<DateTime> Times()
    {
        lock (_times)
        {
            return _times.Order().ToList();
        }
    }
}
