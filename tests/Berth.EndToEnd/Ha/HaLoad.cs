using System.Collections.Concurrent;
using System.Globalization;
using Berth.Testing;

namespace Berth.EndToEnd.Ha;

/// <summary>
/// Parallel pushes and pulls through the balancer for a while: each worker pushes small images under tags of its own (the
/// larger layer in chunks, which the balancer spreads over replicas) and pulls back one it pushed before, retrying what fails
/// because a replica died.
/// </summary>
public sealed class HaLoad(HttpClient client, int workers, string project)
{
    private readonly ConcurrentQueue<AcknowledgedPush> _acknowledged = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private int _retries;
    private int _pulls;

    /// <summary>Every push answered 201.</summary>
    public IReadOnlyList<AcknowledgedPush> Acknowledged => _acknowledged.ToList();

    /// <summary>What went wrong in a way no retry explains: a wrong byte, a missing blob, an error that is not the replica's death.</summary>
    public IReadOnlyList<string> Failures => _failures.ToList();

    public int Retries => _retries;

    public int Pulls => _pulls;

    /// <summary>
    /// Runs for <paramref name="duration"/>, then on until <paramref name="enough"/> says so (a loaded machine pushes
    /// slowly), but never more than <see cref="Overtime"/> longer.
    /// </summary>
    public Task RunAsync(TimeSpan duration, Func<bool> enough)
    {
        var end = DateTime.UtcNow + duration;
        bool Going() => DateTime.UtcNow < end || (!enough() && DateTime.UtcNow < end + Overtime);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(w, Going))));
    }

    public static readonly TimeSpan Overtime = TimeSpan.FromSeconds(90);

    /// <summary>The repository worker <paramref name="worker"/> pushes to.</summary>
    public static string Repository(string project, int worker) => $"{project}/w{worker}";

    private async Task WorkAsync(int worker, Func<bool> going)
    {
        var repository = Repository(project, worker);
        var mine = new List<AcknowledgedPush>();
        for (var i = 0; going(); i++)
        {
            var tag = "t" + i.ToString(CultureInfo.InvariantCulture);
            var step = "blob upload";
            try
            {
                var image = TestImage.Create().WithLayer(Random.Shared.Next(1_000, 40_000)).WithLayer(Random.Shared.Next(100_000, 300_000)).Build();
                foreach (var blob in image.Blobs)
                {
                    await HaRegistry.RetryAsync(() => blob.Size > 100_000
                        ? HaRegistry.UploadBlobInChunksAsync([client], repository, blob, chunks: 3)
                        : HaRegistry.UploadBlobAsync(client, repository, blob), retried: Retried);
                }

                step = "manifest push";
                await HaRegistry.RetryAsync(() => HaRegistry.PushManifestAsync(client, repository, tag, image.Manifest), retried: Retried);
                var push = new AcknowledgedPush(repository, tag, image);
                _acknowledged.Enqueue(push);
                mine.Add(push);

                step = "pull";
                var earlier = mine[Random.Shared.Next(mine.Count)];
                await HaRegistry.RetryAsync(() => HaRegistry.PullCompletelyAsync(client, earlier), retried: Retried);
                Interlocked.Increment(ref _pulls);
            }
            catch (Exception ex)
            {
                _failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {repository}:{tag} {step}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private void Retried() => Interlocked.Increment(ref _retries);
}
