using Berth.Testing;

namespace Berth.EndToEnd;

/// <summary>skopeo pushes into Berth with its blobs in S3 and pulls back out, following each blob's 307 to a presigned URL.</summary>
public sealed class S3ClientTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-s3-skopeo-").FullName;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(S3TestServer.Settings(S3TestServer.NewPrefix()));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Skopeo_copies_in_and_out_through_presigned_redirects()
    {
        var image = TestImage.Create().WithLayer(300_000).WithLayer(1_500_000).Build();
        var source = Path.Join(_work, "source");
        image.WriteOciLayout(source, "v1");
        var remote = $"docker://{_server.HostPort}/library/s3-skopeo:v1";
        await Tool.RunCheckedAsync("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", TestCredentials.AdminCreds, "--preserve-digests",
            $"oci:{source}:v1", remote);

        // Every blob GET of this pull answers 307; skopeo follows each to the store.
        var copy = Path.Join(_work, "copy");
        await Tool.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--src-creds", TestCredentials.AdminCreds, "--preserve-digests",
            remote, $"oci:{copy}:v1");
        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            var path = Path.Join(copy, "blobs", "sha256", blob.Digest["sha256:".Length..]);
            Assert.Equal(blob.Content, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        }

        // The layers and the config came from the store: Berth counted a 307 for each.
        var metrics = await _server.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        const string redirects = "berth_http_server_requests_total{method=\"GET\",route=\"/v2/{name}/blobs/{digest}\",status=\"307\"} ";
        var line = metrics.Split('\n').Single(l => l.StartsWith(redirects, StringComparison.Ordinal));
        Assert.True(long.Parse(line[redirects.Length..], System.Globalization.CultureInfo.InvariantCulture) >= image.Blobs.Count(), line);
    }
}
