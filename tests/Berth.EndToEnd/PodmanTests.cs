using Berth.Testing;

namespace Berth.EndToEnd;

/// <summary>podman pushes an image that the test generates and pulls it back.</summary>
/// <remarks>podman runs rootless-free as root here with the vfs driver in private directories: no daemon, no overlay.</remarks>
public sealed class PodmanTests : IAsyncLifetime
{
    // podman names an image pulled from oci:DIR after DIR (image names are lower case) and caps --runroot at 50 characters.
    private readonly string _work = Directory.CreateDirectory(Path.Join(Path.GetTempPath(), $"bp-{Guid.NewGuid():N}"[..11])).FullName;
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await Tool.RunAsync("podman", [.. Storage("store"), "system", "reset", "--force"]);
        await Tool.RunAsync("podman", [.. Storage("store2"), "system", "reset", "--force"]);
        Directory.Delete(_work, recursive: true);
    }

    private string[] Storage(string name) =>
    [
        "--storage-driver", "vfs",
        "--root", Path.Join(_work, name, "root"),
        "--runroot", Path.Join(_work, name, "run"),
        "--tmpdir", Path.Join(_work, name, "tmp"),
        "--cgroup-manager", "cgroupfs",
        "--events-backend", "none",
    ];

    [Fact]
    public async Task Push_and_pull()
    {
        var image = TestImage.Create().WithTarLayer(400_000).WithTarLayer(100_000).Build();
        var layout = Path.Join(_work, "layout");
        image.WriteOciLayout(layout, "v1");
        var remote = $"{_server.HostPort}/library/podman-test:v1";

        await Tool.RunCheckedAsync("podman", [.. Storage("store"), "pull", $"oci:{layout}:v1"]);
        var id = (await Tool.RunCheckedAsync("podman", [.. Storage("store"), "images", "-q", "--no-trunc"])).Trim().Split('\n')[0];
        await Tool.RunCheckedAsync("podman", [.. Storage("store"), "push", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, id, $"docker://{remote}"]);

        // A second, empty store pulls it back: everything came from Berth.
        await Tool.RunCheckedAsync("podman", [.. Storage("store2"), "pull", "--tls-verify=false", "--creds", TestCredentials.AdminCreds, remote]);
        var inspected = await Tool.RunCheckedAsync("podman", [.. Storage("store2"), "image", "inspect", remote, "--format", "{{.Id}}"]);
        Assert.Equal(id.Replace("sha256:", "", StringComparison.Ordinal), inspected.Trim());
    }

    [Fact]
    public async Task A_project_robot_logs_in_with_podman_then_pushes_and_pulls_in_its_project_only()
    {
        using var created = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization, """
            {"name":"ci","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"team",
              "access":[{"resource":"repository","action":"pull"},{"resource":"repository","action":"push"}]}]}
            """);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var name = json.RootElement.GetProperty("name").GetString()!;
        var secret = json.RootElement.GetProperty("secret").GetString()!;
        Assert.Equal("robot$team+ci", name);

        var auth = Path.Join(_work, "auth.json");
        await Tool.RunCheckedAsync("podman", ["login", "--tls-verify=false", "--authfile", auth, "-u", name, "-p", secret, _server.HostPort]);
        var (refusedCode, refusedOutput) = await Tool.RunAsync("podman",
            ["login", "--tls-verify=false", "--authfile", Path.Join(_work, "wrong.json"), "-u", name, "-p", secret + "x", _server.HostPort]);
        Assert.NotEqual(0, refusedCode);
        Assert.Contains("invalid username/password", refusedOutput, StringComparison.OrdinalIgnoreCase);

        var image = TestImage.Create().WithTarLayer(200_000).Build();
        var layout = Path.Join(_work, "layout");
        image.WriteOciLayout(layout, "v1");
        await Tool.RunCheckedAsync("podman", [.. Storage("store"), "pull", $"oci:{layout}:v1"]);
        var id = (await Tool.RunCheckedAsync("podman", [.. Storage("store"), "images", "-q", "--no-trunc"])).Trim().Split('\n')[0];
        var remote = $"{_server.HostPort}/team/robot-push:v1";
        await Tool.RunCheckedAsync("podman", [.. Storage("store"), "push", "--tls-verify=false", "--authfile", auth, id, $"docker://{remote}"]);
        var (deniedCode, deniedOutput) = await Tool.RunAsync("podman",
            [.. Storage("store"), "push", "--tls-verify=false", "--authfile", auth, id, $"docker://{_server.HostPort}/other/robot-push:v1"]);
        Assert.NotEqual(0, deniedCode);
        Assert.Contains("denied", deniedOutput, StringComparison.OrdinalIgnoreCase);

        await Tool.RunCheckedAsync("podman", [.. Storage("store2"), "pull", "--tls-verify=false", "--authfile", auth, remote]);
        var inspected = await Tool.RunCheckedAsync("podman", [.. Storage("store2"), "image", "inspect", remote, "--format", "{{.Id}}"]);
        Assert.Equal(id.Replace("sha256:", "", StringComparison.Ordinal), inspected.Trim());
    }
}
