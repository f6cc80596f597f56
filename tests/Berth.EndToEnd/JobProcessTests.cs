using System.Net;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.EndToEnd;

/// <summary>The job system across real processes sharing one database: what replicas do.</summary>
public sealed class JobProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-jobs-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Data => Path.Join(_work, "data");

    private static readonly Dictionary<string, string> FastJobs = new()
    {
        ["BERTH__Jobs__PollInterval"] = "00:00:00.100",
        ["BERTH__Jobs__LeaseDuration"] = "00:00:03",
        ["BERTH__Jobs__Workers"] = "1",
        ["BERTH__Gc__GraceWindow"] = "00:00:00",
        ["BERTH__Gc__BatchSize"] = "1",
    };

    private Task<BerthProcess> StartAsync() => BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", Data], FastJobs);

    private async Task MigrateAsync() => await Tool.RunCheckedAsync("dotnet", BerthProcess.Dll, "migrate", "--data-dir", Data);

    [Fact]
    public async Task A_schedule_fires_once_per_due_time_with_two_processes_on_one_database()
    {
        await MigrateAsync();
        const string marker = """{"marker":"fires-once"}""";
        await using (var db = DataDirectory.Open(Data))
        {
            var now = DateTime.UtcNow;
            db.Schedules.Add(new Schedule
            {
                Name = "test-every-2s",
                Cron = "*/2 * * * * *",
                JobKind = "upload-purge",
                Payload = marker,
                NextRunAt = Berth.Jobs.Cron.Parse("*/2 * * * * *").NextAfter(now.AddSeconds(1)),
                CreatedAt = now,
                UpdatedAt = now,
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var a = await StartAsync();
        var b = await StartAsync();
        var firings = new List<string>();
        await using (a)
        await using (b)
        {
            await Task.Delay(TimeSpan.FromSeconds(9), TestContext.Current.CancellationToken);
            a.Terminate();
            b.Terminate();
            await a.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await b.WaitForExitAsync(TimeSpan.FromSeconds(30));
            // Each process logs the due time it moved on to; a due time fired twice would show up twice.
            firings.AddRange((a.Output + b.Output).Split('\n').Where(l => l.Contains("schedule test-every-2s fired", StringComparison.Ordinal))
                .Select(l => l[l.IndexOf("next run", StringComparison.Ordinal)..]));
        }

        await using var check = DataDirectory.Open(Data);
        var fired = await check.Jobs.AsNoTracking().Where(j => j.Payload == marker).Select(j => j.CreatedAt).ToListAsync(TestContext.Current.CancellationToken);
        Assert.True(fired.Count >= 3, $"only {fired.Count} firings in 9 seconds");
        var seen = string.Join(", ", fired.Select(f => f.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))) + " | " + string.Join(", ", firings);
        // Every job came from one firing, and no due time was moved on from twice.
        Assert.True(fired.Count == firings.Count, seen);
        Assert.Equal(firings.Count, firings.Distinct().Count());
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_completes_in_the_surviving_process_after_its_lease()
    {
        await MigrateAsync();
        const int blobs = 4000;
        long jobId;
        await using (var db = DataDirectory.Open(Data))
        {
            var old = DateTime.UtcNow.AddHours(-3);
            db.Blobs.AddRange(Enumerable.Range(0, blobs).Select(_ => new Blob
            {
                Digest = TestBlob.Random(8).Digest,
                Size = 8,
                State = BlobState.Ready,
                CreatedAt = old,
                UpdatedAt = old,
            }));
            var job = new Job { Kind = "gc", Payload = """{"workers":1}""", MaxAttempts = 3, RunAfter = old, CreatedAt = old, UpdatedAt = old };
            db.Jobs.Add(job);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            jobId = job.Id;
        }

        var a = await StartAsync();
        await using (a)
        {
            // Wait until A is in the middle of the job.
            await WaitForAsync(async db =>
            {
                var job = await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == jobId);
                return job.LeaseOwner?.Contains($"/{a.Id}/", StringComparison.Ordinal) == true
                    && await db.Blobs.CountAsync() < blobs - 100;
            }, TimeSpan.FromSeconds(60));

            var b = await StartAsync();
            await using (b)
            {
                await a.KillHardAsync();
                await WaitForAsync(async db => (await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == jobId)).State == JobState.Succeeded,
                    TimeSpan.FromSeconds(120));

                await using var check = DataDirectory.Open(Data);
                var done = await check.Jobs.AsNoTracking().FirstAsync(j => j.Id == jobId, TestContext.Current.CancellationToken);
                Assert.Contains($"/{b.Id}/", done.LeaseOwner, StringComparison.Ordinal);
                Assert.Equal(2, done.Attempts);
                Assert.Equal(0, await check.Blobs.CountAsync(TestContext.Current.CancellationToken));
            }
        }
    }

    [Fact]
    public async Task Berth_gc_from_the_cli_collects_online_and_reports_progress()
    {
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Server:DataDirectory"] = Data });
        var stray = TestBlob.Random(1234);
        (await server.Client.PushBlobAsync("cli/gc", stray)).Dispose();
        var kept = TestImage.Create().WithLayer(100).Build();
        await server.Client.PushImageAsync("cli/gc", kept, "v1");

        var environment = new Dictionary<string, string> { ["BERTH__Gc__GraceWindow"] = "00:00:00" };
        var dry = await RunGcAsync(environment, "--dry-run");
        Assert.Contains("GC done: would free 1234 bytes in 1 blobs", dry, StringComparison.Ordinal);
        Assert.Contains("blobs: 1/1", dry, StringComparison.Ordinal);

        var real = await RunGcAsync(environment);
        Assert.Contains("GC done: freed 1234 bytes in 1 blobs", real, StringComparison.Ordinal);
        using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/cli/gc/blobs/{stray.Digest}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using var manifest = await server.Client.GetAsync("/v2/cli/gc/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);

        var (exitCode, output) = await Tool.RunAsync("dotnet", [BerthProcess.Dll, "gc", "--data-dir", Data, "--workers", "11"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("--workers must be between 1 and 10", output, StringComparison.Ordinal);
    }

    private async Task<string> RunGcAsync(Dictionary<string, string> environment, params string[] extra)
    {
        // The server's database: the one TestDatabase made for this data directory, or its SQLite file.
        string[] database = TestDatabase.UrlOf(Data) is { } url ? ["--database", url] : [];
        await using var process = BerthProcess.Start(_work, ["gc", "--data-dir", Data, .. database, .. extra], environment);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return process.Output;
    }

    private async Task WaitForAsync(Func<Berth.Data.BerthDbContext, Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = DataDirectory.Open(Data))
            {
                if (await condition(db))
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the condition did not come true in time");
            }

            await Task.Delay(100);
        }
    }
}
