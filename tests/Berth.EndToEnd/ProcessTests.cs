using System.Net;
using Berth.Testing;

namespace Berth.EndToEnd;

/// <summary>The binary as an operator runs it: help texts, configuration sources and their order, SIGTERM.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-process-").FullName;

    private static readonly Dictionary<string, string> AdminEnvironment = new() { ["BERTH__Admin__Password"] = TestCredentials.AdminPassword };

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static HttpClient AdminClient(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestCredentials.AdminAuthorization);
        return client;
    }

    [Fact]
    public async Task Help_explains_the_verbs_and_the_flags()
    {
        var root = await Tool.RunCheckedAsync("dotnet", BerthProcess.Dll, "--help");
        Assert.Contains("serve", root, StringComparison.Ordinal);
        Assert.Contains("BERTH__Section__Key", root, StringComparison.Ordinal);

        var serve = await Tool.RunCheckedAsync("dotnet", BerthProcess.Dll, "serve", "--help");
        foreach (var flag in new[] { "--listen", "--data-dir", "--storage", "--external-url", "--config" })
        {
            Assert.Contains(flag, serve, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Settings_come_from_berth_json_then_environment_then_flags()
    {
        var fromFile = Path.Join(_work, "from-file");
        await File.WriteAllTextAsync(Path.Join(_work, "berth.json"),
            $$$"""{"Server":{"DataDirectory":"{{{fromFile}}}","Listen":"127.0.0.1:1"}}""", TestContext.Current.CancellationToken);

        // The file names the data directory; the environment overrides the file's listen address. Each source names
        // its own loopback address (all of 127.0.0.0/8 is loopback) with a port the kernel picks: the address berth
        // reports says which source won.
        var environment = new Dictionary<string, string> { ["BERTH__Server__Listen"] = "127.0.0.2:0" };
        await using (var berth = await BerthProcess.StartServingAsConfiguredAsync(_work, ["serve"], environment))
        {
            Assert.Equal("127.0.0.2", berth.Address.Host);
            Assert.True(File.Exists(Path.Join(fromFile, "berth.db")));
        }

        // A flag overrides both.
        var fromFlag = Path.Join(_work, "from-flag");
        await using (var berth = await BerthProcess.StartServingAsConfiguredAsync(_work, ["serve", "--listen", "127.0.0.3:0", "--data-dir", fromFlag], environment))
        {
            Assert.Equal("127.0.0.3", berth.Address.Host);
            Assert.True(File.Exists(Path.Join(fromFlag, "berth.db")));
        }
    }

    [Fact]
    public async Task A_bad_listen_address_is_a_clear_error()
    {
        var (exitCode, output) = await Tool.RunAsync("dotnet", [BerthProcess.Dll, "serve", "--listen", "nowhere", "--data-dir", Path.Join(_work, "d")]);
        Assert.Equal(2, exitCode);
        Assert.Contains("Server:Listen 'nowhere' is not HOST:PORT", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_is_a_clear_error()
    {
        using var refusing = new RefusingPort();
        var port = refusing.Port;
        var (exitCode, output) = await Tool.RunAsync("dotnet",
            [BerthProcess.Dll, "serve", "--data-dir", Path.Join(_work, "d"), "--database", $"postgres://berth@127.0.0.1:{port}/berth"]);
        Assert.Equal(1, exitCode);
        Assert.Contains($"berth: the database failed: Failed to connect to 127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        (exitCode, output) = await Tool.RunAsync("dotnet",
            [BerthProcess.Dll, "serve", "--data-dir", Path.Join(_work, "d"), "--database", "mysql://berth@127.0.0.1/berth"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("the database URL must look like postgres://", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fresh_postgresql_database_is_migrated_without_an_error_line()
    {
        var data = Directory.CreateDirectory(Path.Join(_work, "pg")).FullName;
        var url = await TestDatabase.CreatePostgresAsync(data);
        try
        {
            await using var berth = await BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", data, "--database", url], AdminEnvironment);
            using var client = AdminClient(berth.Address);
            using var ping = await client.GetAsync("/api/v2.0/ping");
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            Assert.DoesNotContain("fail:", berth.Output, StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabase.DropAsync(data);
        }
    }

    [Fact]
    public async Task Nothing_watches_the_working_directory_that_holds_the_default_data_directory()
    {
        // No --data-dir: blobs go to ./data, under the working directory.
        await using var berth = await BerthProcess.StartServingAsync(_work, ["serve"], AdminEnvironment);
        await TestCredentials.CreateProjectsAsync(Path.Join(_work, "data"));
        using var client = AdminClient(berth.Address);
        using var pushed = await client.PushBlobAsync("test/watched", TestBlob.Random(4096));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        Assert.True(Directory.Exists(Path.Join(_work, "data")));

        // A file watcher is an inotify instance among the process's open files.
        var watchers = Directory.GetFiles($"/proc/{berth.Id}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Count(target => target == "anon_inode:inotify");
        Assert.Equal(0, watchers);
    }

    [Fact]
    public async Task An_idle_server_wakes_for_its_pollers_not_ten_times_a_second()
    {
        // Each wake of the runtime's timer thread hands work to a thread-pool thread, which then spins before it
        // sleeps again: what an idle server costs is mostly how often its timers fire. Its pollers (jobs, schedules,
        // events, pull times) fire about four times a second; a 100 ms timer (ASP.NET Core's rate-limiting middleware
        // keeps one even with no limit set) wakes it 30-40 times a second.
        await using var berth = await BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", Path.Join(_work, "data")], AdminEnvironment);
        var timerThread = Directory.GetDirectories($"/proc/{berth.Id}/task")
            .Single(task => File.ReadAllText(Path.Join(task, "comm")).TrimEnd('\n') == ".NET Timer");
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        var before = VoluntarySwitches(timerThread);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var perSecond = (VoluntarySwitches(timerThread) - before) / clock.Elapsed.TotalSeconds;
        Assert.InRange(perSecond, 0, 20);

        static long VoluntarySwitches(string task) => long.Parse(
            File.ReadLines(Path.Join(task, "status")).Single(line => line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                .Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Sigterm_drains_the_request_in_flight_and_exits_0()
    {
        await using var berth = await BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", Path.Join(_work, "data")], AdminEnvironment);
        var address = berth.Address;
        await TestCredentials.CreateProjectsAsync(Path.Join(_work, "data"));

        using var client = AdminClient(address);
        var blob = TestBlob.Random(64 * 1024);
        using var start = await client.PostAsync("/v2/drain/test/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;

        // A slow upload is in flight when the signal arrives; it must finish, and only then may the process exit.
        var body = new SlowContent(blob.Content, chunks: 8, delay: TimeSpan.FromMilliseconds(250));
        var upload = client.PutAsync($"{location}?digest={blob.Digest}", body);
        await body.Started.Task;
        berth.Terminate();

        using var response = await upload;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(0, await berth.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Sigkill_loses_nothing_that_was_acknowledged()
    {
        string[] arguments = ["serve", "--data-dir", Path.Join(_work, "data")];
        var images = Enumerable.Range(0, 3).Select(_ => TestImage.Create().WithLayer(300_000).WithLayer(20_000).Build()).ToList();
        var half = TestBlob.Random(200_000);
        string location;

        await using (var berth = await BerthProcess.StartServingAsync(_work, arguments, AdminEnvironment))
        {
            await TestCredentials.CreateProjectsAsync(Path.Join(_work, "data"));
            using var client = AdminClient(berth.Address);
            for (var i = 0; i < images.Count; i++)
            {
                await client.PushImageAsync("crash/app", images[i], $"v{i}");
            }

            using var start = await client.PostAsync("/v2/crash/app/blobs/uploads/", null);
            // The restarted process listens on another port: the upload is resumed by its path.
            location = start.Headers.Location!.IsAbsoluteUri ? start.Headers.Location.PathAndQuery : start.Headers.Location.OriginalString;
            using var chunk = new ByteArrayContent(half.Content[..100_000]);
            chunk.Headers.TryAddWithoutValidation("Content-Range", "0-99999");
            (await client.PatchAsync(location, chunk)).Dispose();
            await berth.KillHardAsync();
        }

        await using (var berth = await BerthProcess.StartServingAsync(_work, arguments, AdminEnvironment))
        {
            await TestCredentials.CreateProjectsAsync(Path.Join(_work, "data"));
            using var client = AdminClient(berth.Address);
            for (var i = 0; i < images.Count; i++)
            {
                using var manifest = await client.GetAsync($"/v2/crash/app/manifests/v{i}");
                Assert.Equal(images[i].Manifest.Content, await manifest.Content.ReadAsByteArrayAsync());
                foreach (var blob in images[i].Blobs)
                {
                    Assert.Equal(blob.Content, await client.GetByteArrayAsync($"/v2/crash/app/blobs/{blob.Digest}"));
                }
            }

            // The acknowledged chunk survived too: the upload resumes where it stood.
            using var status = await client.GetAsync(location);
            Assert.Equal("0-99999", status.Headers.GetValues("Range").Single());
            using var rest = new ByteArrayContent(half.Content[100_000..]);
            using var put = await client.PutAsync($"{location}?digest={half.Digest}", rest);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
    }

    [Fact]
    public async Task Without_a_configured_password_admin_gets_a_generated_one_shown_once()
    {
        string[] arguments = ["serve", "--data-dir", Path.Join(_work, "data")];
        string password;
        await using (var berth = await BerthProcess.StartServingAsync(_work, arguments))
        {
            var match = System.Text.RegularExpressions.Regex.Match(berth.Output, "generated password (\\S+);");
            Assert.True(match.Success, berth.Output);
            password = match.Groups[1].Value;
            Assert.True(password.Length >= 20);

            using var client = new HttpClient { BaseAddress = berth.Address };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/service/token?service=harbor-registry&scope=repository:library/x:push");
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{password}")));
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            berth.Terminate();
            await berth.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using (var again = await BerthProcess.StartServingAsync(_work, arguments))
        {
            Assert.DoesNotContain(password, again.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("generated password", again.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>A request body that trickles in over a couple of seconds.</summary>
    private sealed class SlowContent(byte[] content, int chunks, TimeSpan delay) : HttpContent
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var size = content.Length / chunks;
            for (var i = 0; i < chunks; i++)
            {
                var end = i == chunks - 1 ? content.Length : (i + 1) * size;
                await stream.WriteAsync(content.AsMemory(i * size, end - (i * size)));
                await stream.FlushAsync();
                Started.TrySetResult();
                await Task.Delay(delay);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = content.Length;
            return true;
        }
    }
}
