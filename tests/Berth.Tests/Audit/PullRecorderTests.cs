using Berth.Distribution.Manifests;
using Berth.Events;

namespace Berth.Tests.Audit;

/// <summary>The in-memory side of pull recording: every pull lands in exactly one drained batch, however the two race.</summary>
public sealed class PullRecorderTests
{
    [Fact]
    public async Task Pulls_recorded_while_batches_are_drained_are_each_in_one_batch()
    {
        var recorder = new PullRecorder();
        var head = new ManifestHead("sha256:" + new string('a', 64), "application/vnd.oci.image.manifest.v1+json", 100, null, 1, 2, 3);
        var origin = new EventOrigin("admin", null);
        const int Pullers = 4;
        const int PullsEach = 50_000;
        var at = DateTime.UtcNow;

        // A flusher writes a batch as it finds it right after draining it: what a pull adds to it later is never written.
        long counted = 0, timed = 0;
        void Write(PullBatch batch)
        {
            counted += batch.RepositoryPulls.TryGetValue(3, out var count) ? count : 0;
            // A batch keeps at most MaxEventsPerBatch pull times; the pulls past that are counted as dropped events.
            timed += batch.Pulls.Values.Sum(g => g.Times().Count) + batch.DroppedEvents;
        }

        using var done = new CancellationTokenSource();
        var flusher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                Write(recorder.Drain());
            }
        });
        await Task.WhenAll(Enumerable.Range(0, Pullers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PullsEach; i++)
            {
                recorder.Record(head, at, "p/app", "v1", origin);
            }
        })));
        await done.CancelAsync();
        await flusher;
        Write(recorder.Drain());

        Assert.Equal(Pullers * PullsEach, counted);
        Assert.Equal(Pullers * PullsEach, timed);
    }
}
