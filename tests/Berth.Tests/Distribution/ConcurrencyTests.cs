using System.Net;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class ConcurrencyTests : IAsyncLifetime
{
    private CountedBerthServer _counted = null!;

    private HttpClient Client => _counted.Server.Client;

    public async ValueTask InitializeAsync() => _counted = await CountedBerthServer.StartAsync(new Dictionary<string, string?>());

    public ValueTask DisposeAsync() => _counted.DisposeAsync();

    [Fact]
    public async Task Twenty_parallel_pushes_of_images_that_share_layers()
    {
        var shared = Enumerable.Range(0, 3).Select(i => TestBlob.Random(200_000 + i)).ToArray();
        var images = Enumerable.Range(0, 20).Select(i =>
        {
            var image = TestImage.Create().WithLayer(shared[i % 3]).WithLayer(shared[(i + 1) % 3]).WithLayer(50_000 + i);
            return image.Build();
        }).ToArray();

        await Task.WhenAll(images.Select((image, i) => Client.PushImageAsync($"shared/app{i % 4}", image, $"v{i}")));

        // Pushes naming the same layers lock the same blob rows; on PostgreSQL they must take them in one order, or the
        // database picks deadlock victims that only the retries hide (and exhaust, under load).
        Assert.DoesNotContain(_counted.Commands.Failures, f => f.Contains("40P01", StringComparison.Ordinal));

        for (var i = 0; i < images.Length; i++)
        {
            using var manifest = await Client.GetAsync($"/v2/shared/app{i % 4}/manifests/v{i}");
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(images[i].Manifest.Content, await manifest.Content.ReadAsByteArrayAsync());
            foreach (var blob in images[i].Blobs)
            {
                Assert.Equal(blob.Content, await Client.GetByteArrayAsync($"/v2/shared/app{i % 4}/blobs/{blob.Digest}"));
            }
        }
    }
}
