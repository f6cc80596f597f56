using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Berth.Testing;

namespace Berth.EndToEnd;

/// <summary>
/// PostgreSQL restarted (<c>pg_ctl restart -m fast</c>) under a <c>berth serve</c> that is busy pushing and pulling: every
/// session it held is ended. Clients meanwhile get 503s, never a 500 or a hang; Berth serves again on its own once the
/// database is back, and nothing it acknowledged is lost.
/// </summary>
public sealed class PostgresRestartTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-pgrestart-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task A_restart_under_load_is_503s_then_recovery_and_no_acknowledged_push_is_lost()
    {
        await using var database = await PostgresCluster.StartAsync();
        await using var berth = await BerthProcess.StartServingAsync(_work, ["serve", "--data-dir", Path.Join(_work, "data"), "--database", database.Url],
            new Dictionary<string, string> { ["BERTH__Admin__Password"] = TestCredentials.AdminPassword });
        using var client = new HttpClient { BaseAddress = berth.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestCredentials.AdminAuthorization);
        using (var project = await client.PostAsync("/api/v2.0/projects", Json("""{"project_name":"restart","metadata":{"public":"false"}}"""), Token))
        {
            RegistryClient.Expect(project, HttpStatusCode.Created);
        }

        var first = TestImage.Create().WithLayer(20_000).Build();
        await client.PushImageAsync("restart/app", first, "first");

        // Four clients push new images and pull the first one, without pause, until told to stop.
        var acknowledged = new ConcurrentDictionary<string, TestImage>();
        var answers = new ConcurrentBag<(TimeSpan At, string Request, HttpStatusCode Status, bool RetryAfter)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(n => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var tag = $"c{n}-{i}";
                var image = TestImage.Create().WithLayer(8_000 + n).Build();
                if (await PushAsync(client, image, tag, answers, clock))
                {
                    acknowledged[tag] = image;
                }

                using var pull = await client.GetAsync("/v2/restart/app/manifests/first", CancellationToken.None);
                Record(answers, clock, "pull", pull);
                if (pull.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal(first.Manifest.Content, await pull.Content.ReadAsByteArrayAsync(CancellationToken.None));
                }
            }
        }, CancellationToken.None)).ToList();

        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        var restartAt = clock.Elapsed;
        await database.RestartAsync();
        var backAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(6), Token);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        var all = answers.OrderBy(a => a.At).ToList();
        var summary = string.Join(", ", all.GroupBy(a => (a.Request, a.Status)).Select(g => $"{g.Key.Request} {(int)g.Key.Status} x{g.Count()}"))
            + $"; restart {restartAt.TotalSeconds:0.0}-{backAt.TotalSeconds:0.0} s";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        // Every answer is a success or a 503 with Retry-After: no 500, no other error, no hang (the client times out after 30 s).
        Assert.All(all, a => Assert.True(
            (int)a.Status < 300 || (a.Status == HttpStatusCode.ServiceUnavailable && a.RetryAfter),
            $"{a.Request} answered {(int)a.Status} at {a.At.TotalSeconds:0.0} s: {summary}"));
        Assert.Contains(all, a => a.At < restartAt && a.Status == HttpStatusCode.Created);
        // Back on its own: pushes and pulls succeed again within seconds of the database's return.
        Assert.Contains(all, a => a.At > backAt + TimeSpan.FromSeconds(3) && a.Request == "manifest" && a.Status == HttpStatusCode.Created);
        Assert.True(all.Where(a => a.At > backAt + TimeSpan.FromSeconds(3)).All(a => a.Status != HttpStatusCode.ServiceUnavailable),
            $"still 503 more than 3 s after the database was back: {summary}");

        // Nothing acknowledged was lost: every image whose manifest PUT was answered 201 pulls whole.
        Assert.NotEmpty(acknowledged);
        foreach (var (tag, image) in acknowledged)
        {
            Assert.Equal(image.Manifest.Content, await client.GetByteArrayAsync($"/v2/restart/app/manifests/{tag}", Token));
            foreach (var blob in image.Blobs)
            {
                Assert.Equal(blob.Content, await client.GetByteArrayAsync($"/v2/restart/app/blobs/{blob.Digest}", Token));
            }
        }
    }

    private static async Task<bool> PushAsync(HttpClient client, TestImage image, string tag,
        ConcurrentBag<(TimeSpan, string, HttpStatusCode, bool)> answers, Stopwatch clock)
    {
        foreach (var blob in image.Blobs)
        {
            using var response = await client.PushBlobAsync("restart/app", blob);
            Record(answers, clock, "blob", response);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return false;
            }
        }

        using var manifest = await client.PushManifestAsync("restart/app", tag, image.Manifest);
        Record(answers, clock, "manifest", manifest);
        return manifest.StatusCode == HttpStatusCode.Created;
    }

    private static void Record(ConcurrentBag<(TimeSpan, string, HttpStatusCode, bool)> answers, Stopwatch clock, string request, HttpResponseMessage response) =>
        answers.Add((clock.Elapsed, request, response.StatusCode, response.Headers.RetryAfter is not null));

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
