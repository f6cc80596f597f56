using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.EndToEnd.Ha;

/// <summary>
/// Berth highly available as ARCHITECTURE.md deploys it: three <c>berth serve</c> processes on one PostgreSQL and one S3
/// server, nginx round robin in front, and one replica killed with SIGKILL while clients push and pull.
/// </summary>
public sealed class HaTests
{
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan GcPeriod = TimeSpan.FromSeconds(10);
    private const int Workers = 4;

    /// <summary>How many acknowledged pushes the load must have before the kill, and again after it.</summary>
    private const int PushesEachSide = 10;

    [Fact]
    public async Task Three_replicas_behind_nginx_lose_no_acknowledged_push_when_one_is_killed_and_run_each_scheduled_job_once()
    {
        await using var cluster = await HaCluster.CreateAsync();
        await using var receiver = await HoldingReceiver.StartAsync();
        try
        {
            await RunAsync(cluster, receiver);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{cluster.Logs()}", ex);
        }
    }

    private static async Task RunAsync(HaCluster cluster, HoldingReceiver receiver)
    {
        // r1 alone first: it creates the schema and the admin, and it alone sees the push event, so it takes the webhook
        // delivery and holds it, waiting for an answer that never comes.
        var r1 = (await cluster.StartReplicasAsync(1))[0];
        using var admin = HaCluster.Client(r1.Address, TestCredentials.AdminAuthorization);
        foreach (var project in new[] { "ha", "load", "hooks", "ret" })
        {
            await CreateProjectAsync(admin, project);
        }

        await SendAsync(admin, HttpMethod.Post, "/api/v2.0/projects/hooks/webhook/policies", HttpStatusCode.Created, $$"""
            {"name":"held","enabled":true,"event_types":["PUSH_ARTIFACT"],
             "targets":[{"type":"http","address":"{{receiver.Url}}/hook","auth_header":"","skip_cert_verify":false,"payload_format":"Default"}]}
            """);
        await admin.PushImageAsync("hooks/app", TestImage.Create().WithLayer(100).Build(), "v1");
        await receiver.FirstArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var webhookJob = await HeldWebhookJobAsync(cluster, r1);

        var survivors = await cluster.StartReplicasAsync(2);
        var (r2, r3) = (survivors[0], survivors[1]);
        var nginx = await cluster.StartBalancerAsync();
        await CrossReplicaPushAndPullAsync(cluster, nginx);

        var token = await TokenThroughRealmAsync(nginx.Address, ["ha/crossed", .. Enumerable.Range(0, Workers).Select(w => HaLoad.Repository("load", w))]);
        using var balanced = HaCluster.Client(nginx.Address, "Bearer " + token);
        foreach (var replica in cluster.Replicas)
        {
            // Signed by whichever replica nginx picked, good on each: the signing key lives in the database.
            using var direct = HaCluster.Client(replica.Address, "Bearer " + token);
            using var check = await direct.GetAsync("/v2/");
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        }

        var scheduledAt = DateTime.UtcNow;
        await SendAsync(balanced, HttpMethod.Post, "/api/v2.0/system/gc/schedule", HttpStatusCode.Created,
            """{"schedule":{"type":"Custom","cron":"*/10 * * * * *"},"parameters":{"delete_untagged":false}}""", TestCredentials.AdminAuthorization);
        var retentionImages = await RetentionPolicyAsync(cluster, nginx.Address);

        var load = new HaLoad(balanced, Workers, "load");
        int? beforeKill = null;
        var running = load.RunAsync(LoadDuration, () => load.Acknowledged.Count >= beforeKill + PushesEachSide);
        // The kill comes once the load has run a while and pushed enough; on a loaded machine that takes longer.
        await Task.Delay(KillAfter);
        await Poll.UntilAsync(() => Task.FromResult(load.Acknowledged.Count >= PushesEachSide), $"{PushesEachSide} pushes before the kill", HaLoad.Overtime);
        Assert.Equal(JobState.Running, (await WebhookJobAsync(cluster, webhookJob)).State);
        beforeKill = load.Acknowledged.Count;
        await r1.Process.KillHardAsync();
        await running;

        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failures:\n{string.Join('\n', load.Failures.Take(20))}");
        Assert.True(load.Acknowledged.Count >= beforeKill + PushesEachSide, $"only {load.Acknowledged.Count - beforeKill} pushes acknowledged after the kill");
        var upstreams = nginx.Log.Split('\n').Where(l => l.Contains(" from ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" from ", StringComparison.Ordinal) + 6)..].Split(' ')[0]).Distinct().ToList();
        Assert.All(cluster.Replicas, r => Assert.Contains($"127.0.0.1:{r.Port}", upstreams));

        // Every acknowledged push pulls completely: through nginx and through each survivor on its own.
        foreach (var address in new[] { nginx.Address, r2.Address, r3.Address })
        {
            using var client = HaCluster.Client(address, "Bearer " + token);
            await Parallel.ForEachAsync(load.Acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (push, _) => await HaRegistry.RetryAsync(() => HaRegistry.PullCompletelyAsync(client, push)));
        }

        await WebhookFinishedElsewhereAsync(cluster, receiver, webhookJob, r1, [r2, r3]);
        await RanOncePerTickAsync(cluster, Berth.Gc.GcJobHandler.VendorType, GcPeriod, scheduledAt);
        await RanOncePerTickAsync(cluster, Berth.Retention.RetentionJobHandler.VendorType, TimeSpan.FromMinutes(1), scheduledAt);
        // latestPushedK=2 over three tags: the oldest went at the first run and the later runs found nothing more to delete.
        using var tags = await balanced.SendAsync(Authorized(HttpMethod.Get, "/v2/ret/app/tags/list", TestCredentials.AdminAuthorization));
        Assert.Equal(retentionImages[1..], JsonDocument.Parse(await tags.Content.ReadAsStringAsync()).RootElement.GetProperty("tags")
            .EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal));
    }

    /// <summary>A chunked upload whose requests go to r1, r2, r3, r1, r2 in turn; the image is pushed through r1 and pulled through the others.</summary>
    private static async Task CrossReplicaPushAndPullAsync(HaCluster cluster, NginxBalancer nginx)
    {
        var clients = cluster.Replicas.Select(r => HaCluster.Client(r.Address, TestCredentials.AdminAuthorization)).ToList();
        try
        {
            var layer = TestBlob.Random(600_000);
            var image = TestImage.Create().WithLayer(layer).Build();
            await HaRegistry.UploadBlobInChunksAsync(clients, "ha/crossed", layer, chunks: 3);
            await HaRegistry.UploadBlobAsync(clients[2], "ha/crossed", image.Config);
            await HaRegistry.PushManifestAsync(clients[0], "ha/crossed", "v1", image.Manifest);
            var push = new AcknowledgedPush("ha/crossed", "v1", image);
            await HaRegistry.PullCompletelyAsync(clients[1], push);
            await HaRegistry.PullCompletelyAsync(clients[2], push);
            using var balanced = HaCluster.Client(nginx.Address, TestCredentials.AdminAuthorization);
            await HaRegistry.PullCompletelyAsync(balanced, push);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Follows the challenge nginx passes on: its realm names nginx, and the token it gives is for every replica.</summary>
    private static async Task<string> TokenThroughRealmAsync(Uri balancer, IEnumerable<string> repositories)
    {
        using var anonymous = new HttpClient { BaseAddress = balancer };
        using var challenge = await anonymous.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        var bearer = challenge.Headers.WwwAuthenticate.Single(h => h.Scheme == "Bearer").Parameter!;
        var realm = bearer.Split(',').Select(p => p.Split('=', 2)).Single(p => p[0] == "realm")[1].Trim('"');
        Assert.Equal(new Uri(balancer, "/service/token").ToString(), realm);
        var scopes = string.Join('&', repositories.Select(r => "scope=" + Uri.EscapeDataString($"repository:{r}:push,pull")));
        using var request = Authorized(HttpMethod.Get, $"{realm}?service=harbor-registry&{scopes}", TestCredentials.AdminAuthorization);
        using var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Pushes three tags into <c>ret/app</c> and a retention policy keeping the two latest, every minute; returns the tags, oldest first.</summary>
    private static async Task<string[]> RetentionPolicyAsync(HaCluster cluster, Uri balancer)
    {
        using var client = HaCluster.Client(balancer, TestCredentials.AdminAuthorization);
        string[] tags = ["r1", "r2", "r3"];
        foreach (var tag in tags)
        {
            await HaRegistry.RetryAsync(async () =>
            {
                await client.PushImageAsync("ret/app", TestImage.Create().WithLayer(200).Build(), tag);
                return true;
            });
        }

        await using var db = cluster.OpenDatabase();
        var projectId = await db.Projects.Where(p => p.Name == "ret").Select(p => p.Id).SingleAsync();
        await SendAsync(client, HttpMethod.Post, "/api/v2.0/retentions", HttpStatusCode.Created, $$$"""
            {"algorithm":"or","scope":{"level":"project","ref":{{{projectId}}}},
             "trigger":{"kind":"Schedule","settings":{"cron":"0 * * * * *"},"references":{}},
             "rules":[{"disabled":false,"action":"retain","template":"latestPushedK","params":{"latestPushedK":2},
               "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]},
               "tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**","extras":"{\"untagged\":true}"}]}]}
            """);
        return tags;
    }

    private static async Task<long> HeldWebhookJobAsync(HaCluster cluster, Replica holder)
    {
        await using var db = cluster.OpenDatabase();
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Kind == "webhook");
        Assert.Equal(JobState.Running, job.State);
        Assert.Contains($"/{holder.Process.Id}/", job.LeaseOwner, StringComparison.Ordinal);
        return job.Id;
    }

    private static async Task<Job> WebhookJobAsync(HaCluster cluster, long id)
    {
        await using var db = cluster.OpenDatabase();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    /// <summary>The delivery r1 held is sent again by a survivor once r1's lease has lapsed, and its execution ends in success.</summary>
    private static async Task WebhookFinishedElsewhereAsync(HaCluster cluster, HoldingReceiver receiver, long jobId, Replica dead, Replica[] survivors)
    {
        await receiver.FirstAbandoned.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await receiver.Accepted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var job = await Poll.ForAsync(() => WebhookJobAsync(cluster, jobId), j => j.State == JobState.Succeeded, "the webhook job to succeed");
        Assert.Equal(2, job.Attempts);
        Assert.DoesNotContain($"/{dead.Process.Id}/", job.LeaseOwner, StringComparison.Ordinal);
        Assert.Contains(survivors, r => job.LeaseOwner!.Contains($"/{r.Process.Id}/", StringComparison.Ordinal));
        var bodies = receiver.Bodies;
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0], bodies[1]);
        await using var db = cluster.OpenDatabase();
        var execution = await db.Executions.AsNoTracking().SingleAsync(e => e.VendorType == "WEBHOOK");
        Assert.Equal(ExecutionStatus.Success, execution.Status);
    }

    /// <summary>
    /// The schedule of <paramref name="vendorType"/> made one execution per tick of <paramref name="period"/>, not one per replica,
    /// and missed no tick; each execution succeeded.
    /// </summary>
    private static async Task RanOncePerTickAsync(HaCluster cluster, string vendorType, TimeSpan period, DateTime since)
    {
        var executions = await Poll.ForAsync(async () =>
        {
            await using var db = cluster.OpenDatabase();
            return await db.Executions.AsNoTracking().Where(e => e.VendorType == vendorType && e.Trigger == "SCHEDULE").ToListAsync();
        }, list => list.Count > 0 && list.All(e => e.Status is not ExecutionStatus.Pending and not ExecutionStatus.Running),
            $"{vendorType} executions to finish", TimeSpan.FromSeconds(30));
        var seen = string.Join(", ", executions.Select(e => $"{e.StartTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {e.Status}"));
        // A firing happens at or after its tick and before the next one, so two executions in one period are one tick fired twice.
        var ticks = executions.GroupBy(e => e.StartTime.Ticks / period.Ticks).ToList();
        Assert.True(ticks.All(t => t.Count() == 1), $"{vendorType} fired more than once in a tick: {seen}");
        var expected = (int)((DateTime.UtcNow - since).Ticks / period.Ticks);
        Assert.True(executions.Count >= Math.Max(1, expected - 2), $"{vendorType}: {executions.Count} executions for about {expected} ticks: {seen}");
        Assert.True(executions.All(e => e.Status == ExecutionStatus.Success), $"{vendorType}: {seen}");
    }

    private static async Task CreateProjectAsync(HttpClient admin, string name) =>
        await SendAsync(admin, HttpMethod.Post, "/api/v2.0/projects", HttpStatusCode.Created, $$"""{"project_name":"{{name}}"}""");

    private static async Task SendAsync(HttpClient client, HttpMethod method, string path, HttpStatusCode expected, string body, string? authorization = null)
    {
        using var request = authorization is null ? new HttpRequestMessage(method, path) : Authorized(method, path, authorization);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string authorization)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return request;
    }
}
