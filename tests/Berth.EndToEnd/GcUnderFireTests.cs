using System.Collections.Concurrent;
using System.Net;
using Berth.Data.Entities;
using Berth.Gc;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.EndToEnd;

/// <summary>
/// GC in a loop with a one-second grace window while clients push images that share layers, delete some and push
/// others again. Afterwards every acknowledged, undeleted image pulls completely with skopeo, and a last GC leaves no
/// unreferenced blob and no blob row without its bytes.
/// </summary>
public sealed class GcUnderFireTests : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("BERTH_GC_STRESS_SECONDS"), out var seconds) ? seconds : 60);

    private readonly string _work = Directory.CreateTempSubdirectory("berth-gcfire-").FullName;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Gc:GraceWindow"] = "00:00:01",
        ["Gc:BatchSize"] = "50",
    });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Gc_in_a_loop_never_breaks_an_acknowledged_push()
    {
        var shared = Enumerable.Range(0, 6).Select(i => TestBlob.Random(30_000 + (i * 10_000))).ToArray();
        var live = new ConcurrentDictionary<string, TestImage>();     // "repo:tag" of acknowledged, undeleted images
        var deleted = new ConcurrentBag<(string Repository, string Tag, TestImage Image)>();
        var stats = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource(Duration);

        var gcRuns = 0L;
        var gc = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var scope = _server.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<GcService>()
                    .RunAsync(new GcParameters { Workers = 4, DeleteUntagged = true }, _ => { }, null, CancellationToken.None);
                Interlocked.Increment(ref gcRuns);
                await Task.Delay(50, CancellationToken.None);
            }
        });

        var clients = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            var mine = new List<(string Repository, string Tag, TestImage Image)>();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var action = random.Next(10);
                if (action < 2 && mine.Count > 0)
                {
                    var victim = mine[random.Next(mine.Count)];
                    mine.Remove(victim);
                    live.TryRemove($"{victim.Repository}:{victim.Tag}", out _);
                    using var response = await _server.Client.DeleteAsync($"/v2/{victim.Repository}/manifests/{victim.Image.Manifest.Digest}");
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    deleted.Add(victim);
                    stats.AddOrUpdate("deleted", 1, (_, n) => n + 1);
                    continue;
                }

                (string Repository, string Tag, TestImage Image) target;
                if (action < 4 && deleted.TryTake(out var again))
                {
                    target = again;   // the same manifest and blobs, pushed again after GC may have taken them
                }
                else
                {
                    var image = TestImage.Create().WithLayer(shared[random.Next(shared.Length)]).WithLayer(shared[random.Next(shared.Length)])
                        .WithLayer(2_000 + random.Next(5_000)).Build();
                    target = ($"fire/c{client}/r{random.Next(3)}", $"t{i}", image);
                }

                if (await PushLikeAClientAsync(target.Repository, target.Image, target.Tag))
                {
                    mine.Add(target);
                    live[$"{target.Repository}:{target.Tag}"] = target.Image;
                    stats.AddOrUpdate("pushed", 1, (_, n) => n + 1);
                }
                else
                {
                    stats.AddOrUpdate("refused", 1, (_, n) => n + 1);
                }
            }
        })).ToList();

        await Task.WhenAll(clients);
        await gc;
        Assert.True(Interlocked.Read(ref gcRuns) >= 10, $"GC ran only {gcRuns} times");
        Assert.True(live.Count >= 20, $"only {live.Count} images survived: {string.Join(", ", stats)}");

        // Every acknowledged, undeleted image pulls completely, with a real client.
        await Parallel.ForEachAsync(live, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (entry, token) =>
        {
            var directory = Path.Join(_work, entry.Key.Replace('/', '_').Replace(':', '_'));
            await Tool.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--src-creds", TestCredentials.AdminCreds, "--preserve-digests",
                $"docker://{_server.HostPort}/{entry.Key}", $"oci:{directory}:x");
            foreach (var blob in entry.Value.Blobs.Append(entry.Value.Manifest))
            {
                var bytes = await File.ReadAllBytesAsync(Path.Join(directory, "blobs", "sha256", blob.Digest["sha256:".Length..]), token);
                Assert.Equal(blob.Content, bytes);
            }
        });

        // A last GC, once the window has passed, leaves exactly the referenced blobs, each with its bytes.
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await using var scope = _server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<GcService>()
            .RunAsync(new GcParameters { Workers = 4 }, _ => { }, null, CancellationToken.None);
        await using var db = DataDirectory.Open(_server.DataDirectory);
        var unreferenced = await db.Blobs.CountAsync(b =>
            !db.RepositoryBlobs.Any(l => l.BlobId == b.Id) && !db.ArtifactReferences.Any(r => r.BlobId == b.Id) && !db.Artifacts.Any(a => a.BlobId == b.Id),
            TestContext.Current.CancellationToken);
        Assert.Equal(0, unreferenced);
        var rows = await db.Blobs.AsNoTracking().Select(b => new { b.Digest, b.State }).ToListAsync(TestContext.Current.CancellationToken);
        Assert.All(rows, row =>
        {
            Assert.Equal(BlobState.Ready, row.State);
            var hex = row.Digest["sha256:".Length..];
            Assert.True(File.Exists(Path.Join(_server.DataDirectory, "storage", "blobs", "sha256", hex[..2], hex, "data")), $"{row.Digest} has no bytes");
        });
        var files = Directory.EnumerateFiles(Path.Join(_server.DataDirectory, "storage", "blobs"), "data", SearchOption.AllDirectories).Count();
        Assert.Equal(rows.Count, files);
    }

    /// <summary>What docker and skopeo do: HEAD each blob, upload the missing ones, then PUT the manifest.</summary>
    private async Task<bool> PushLikeAClientAsync(string repository, TestImage image, string tag)
    {
        foreach (var blob in image.Blobs)
        {
            using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{repository}/blobs/{blob.Digest}"));
            if (head.StatusCode == HttpStatusCode.OK)
            {
                continue;
            }

            using var upload = await _server.Client.PushBlobAsync(repository, blob);
            if (upload.StatusCode != HttpStatusCode.Created)
            {
                return false;
            }
        }

        using var manifest = await _server.Client.PushManifestAsync(repository, tag, image.Manifest);
        return manifest.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.BadRequest when await manifest.ErrorCodeAsync() == "MANIFEST_BLOB_UNKNOWN" => false,
            _ => throw new HttpRequestException($"manifest push answered {(int)manifest.StatusCode}: {await manifest.Content.ReadAsStringAsync()}"),
        };
    }
}
