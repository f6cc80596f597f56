using Berth.Testing;

namespace Berth.EndToEnd;

/// <summary>skopeo copies a generated multi-layer image into Berth and back out, digests intact.</summary>
public sealed class SkopeoTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-skopeo-").FullName;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Copy_in_and_out_preserves_every_digest()
    {
        var image = TestImage.Create().WithLayer(300_000).WithLayer(1_500_000).WithLayer(70_000).Build();
        var source = Path.Join(_work, "source");
        image.WriteOciLayout(source, "v1");
        var remote = $"docker://{_server.HostPort}/library/skopeo-test:v1";

        await Tool.RunCheckedAsync("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", TestCredentials.AdminCreds, "--preserve-digests", $"oci:{source}:v1", remote);

        var raw = await Tool.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, "--raw", remote);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(image.Manifest.Content), raw.Trim());

        var copy = Path.Join(_work, "copy");
        await Tool.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--src-creds", TestCredentials.AdminCreds, "--preserve-digests", remote, $"oci:{copy}:v1");
        foreach (var blob in image.Blobs.Append(image.Manifest))
        {
            var path = Path.Join(copy, "blobs", "sha256", blob.Digest["sha256:".Length..]);
            Assert.Equal(blob.Content, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        }

        var tags = await Tool.RunCheckedAsync("skopeo", "list-tags", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, $"docker://{_server.HostPort}/library/skopeo-test");
        Assert.Contains("\"v1\"", tags, StringComparison.Ordinal);

        await Tool.RunCheckedAsync("skopeo", "delete", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, remote);
        var (exitCode, _) = await Tool.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, "--raw", remote]);
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task Copy_between_repositories_mounts_the_blobs()
    {
        var image = TestImage.Create().WithLayer(200_000).Build();
        var source = Path.Join(_work, "mount-source");
        image.WriteOciLayout(source, "v1");
        await Tool.RunCheckedAsync("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", TestCredentials.AdminCreds, "--preserve-digests", $"oci:{source}:v1",
            $"docker://{_server.HostPort}/team/a:v1");
        await Tool.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--src-creds", TestCredentials.AdminCreds,
            "--dest-creds", TestCredentials.AdminCreds, "--preserve-digests", $"docker://{_server.HostPort}/team/a:v1", $"docker://{_server.HostPort}/team/b:v1");
        var raw = await Tool.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, "--raw", $"docker://{_server.HostPort}/team/b:v1");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(image.Manifest.Content), raw.Trim());
    }

    [Fact]
    public async Task A_member_pushes_and_pulls_with_skopeo_and_anonymous_pulls_only_public_projects()
    {
        await TestCredentials.AddUserAsync(_server.DataDirectory, "dev", "dev-password", "team");
        var image = TestImage.Create().WithLayer(50_000).Build();
        var source = Path.Join(_work, "member-source");
        image.WriteOciLayout(source, "v1");
        await Tool.RunCheckedAsync("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "dev:dev-password", "--preserve-digests",
            $"oci:{source}:v1", $"docker://{_server.HostPort}/team/member:v1");
        var raw = await Tool.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", "dev:dev-password", "--raw",
            $"docker://{_server.HostPort}/team/member:v1");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(image.Manifest.Content), raw.Trim());

        // Not a member of library, but library is public: anyone pulls, nobody anonymous pushes.
        await Tool.RunCheckedAsync("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", TestCredentials.AdminCreds, "--preserve-digests",
            $"oci:{source}:v1", $"docker://{_server.HostPort}/library/public:v1");
        await Tool.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--no-creds", "--raw", $"docker://{_server.HostPort}/library/public:v1");
        var (privateExit, privateOutput) = await Tool.RunAsync("skopeo",
            ["inspect", "--tls-verify=false", "--no-creds", "--raw", $"docker://{_server.HostPort}/team/member:v1"]);
        Assert.NotEqual(0, privateExit);
        Assert.Contains("unauthorized", privateOutput, StringComparison.OrdinalIgnoreCase);
        var (pushExit, _) = await Tool.RunAsync("skopeo",
            ["copy", "--dest-tls-verify=false", "--dest-no-creds", $"oci:{source}:v1", $"docker://{_server.HostPort}/library/anonymous:v1"]);
        Assert.NotEqual(0, pushExit);
    }
}
