using System.Net;
using Berth.Distribution.Manifests;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Audit;

/// <summary>Pull events stay off the request path: a manifest GET writes nothing, the pull recorder's flusher writes the event.</summary>
public sealed partial class PullEventTests : IAsyncLifetime
{
    private CountedBerthServer _counted = null!;

    private BerthServer Server => _counted.Server;

    private SqlCommandCounter Commands => _counted.Commands;

    // The flusher's own timer never fires during the test: only the explicit flush below writes pulls.
    public async ValueTask InitializeAsync() => _counted = await CountedBerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Events:PollInterval"] = "00:00:00.050",
        ["Distribution:PullTimeFlushInterval"] = "01:00:00",
    });

    public ValueTask DisposeAsync() => _counted.DisposeAsync();

    [Fact]
    public async Task A_manifest_get_writes_nothing_and_the_flush_writes_its_event_with_the_operator_and_tag()
    {
        await Server.Client.PushImageAsync("test/pulled", TestImage.Create().WithLayer(60).Build(), "v7");
        await Poll.UntilAsync(async () => (await AuditAsync()).Contains("\"create\"", StringComparison.Ordinal), "the push's audit line");
        Commands.Reset();
        for (var i = 0; i < 3; i++)
        {
            using var pull = await Server.Client.GetAsync("/v2/test/pulled/manifests/v7");
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        // The push's event is handed on already (its audit line commits with its removal), so nothing at all may write now.
        var written = Commands.Commands.Where(c => !c.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(written.Count == 0, string.Join("\n", written));
        Assert.DoesNotContain("\"pull\"", await AuditAsync(), StringComparison.Ordinal);

        var flusher = Server.Services.GetRequiredService<PullRecorderFlusher>();
        await Poll.UntilAsync(async () =>
        {
            await flusher.FlushAsync(CancellationToken.None);
            return (await AuditAsync()).Split("\"pull\"").Length - 1 == 3;
        }, "three pull lines");
        Assert.Contains("test/pulled:v7", await AuditAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_pulls_in_one_interval_are_one_event_per_caller_and_reference_and_still_an_audit_line_each()
    {
        var image = TestImage.Create().WithLayer(61).Build();
        await Server.Client.PushImageAsync("test/busy", image, "v1");
        await Poll.UntilAsync(async () => (await AuditAsync()).Contains("test/busy:v1", StringComparison.Ordinal), "the push's audit line");

        // More pulls by tag than one statement writes (500), so the audit lines take several.
        const int ByTag = 601;
        await Parallel.ForAsync(0, ByTag, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, cancellationToken) =>
        {
            using var pull = await Server.Client.GetAsync("/v2/test/busy/manifests/v1", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        });
        for (var i = 0; i < 2; i++)
        {
            using var pull = await Server.Client.GetAsync($"/v2/test/busy/manifests/{image.Manifest.Digest}");
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        Commands.Reset();
        await Server.Services.GetRequiredService<PullRecorderFlusher>().FlushAsync(CancellationToken.None);
        Assert.Equal(2, EventInserts()); // one by tag, one by digest: both by the same caller

        await Poll.ForAsync(async () => (ByTag: await PullLinesAsync("test/busy:v1"), ByDigest: await PullLinesAsync($"test/busy:{image.Manifest.Digest}")),
            lines => lines == (ByTag, 2), $"{ByTag} pull lines by tag and 2 by digest", TimeSpan.FromSeconds(30));
        var byTag = await GetJsonAsync("/api/v2.0/projects/test/logs?page_size=100&q=operation%3Dpull,resource%3Dtest%2Fbusy%3Av1");
        Assert.All(byTag.EnumerateArray(), line =>
        {
            Assert.Equal("admin", line.GetProperty("username").GetString());
            Assert.Equal("artifact", line.GetProperty("resource_type").GetString());
        });
    }

    [Fact]
    public async Task Each_pull_of_a_grouped_event_gets_its_own_webhook()
    {
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        await Webhooks.WebhookApi.CreateProjectAsync(Server, "hooked");
        var policy = await Webhooks.WebhookApi.CreatePolicyAsync(Server, "hooked", Webhooks.WebhookApi.Policy("pulls", receiver.Url + "/pulls", ["PULL_ARTIFACT"]));
        var image = TestImage.Create().WithLayer(62).Build();
        await Server.Client.PushImageAsync("hooked/app", image, "v2");
        for (var i = 0; i < 5; i++)
        {
            using var pull = await Server.Client.GetAsync("/v2/hooked/app/manifests/v2");
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        Commands.Reset();
        await Server.Services.GetRequiredService<PullRecorderFlusher>().FlushAsync(CancellationToken.None);
        Assert.Equal(1, EventInserts());

        await Webhooks.WebhookApi.FinishedExecutionsAsync(Server, "hooked", policy, 5);
        await Poll.UntilAsync(() => Task.FromResult(receiver.Accepted.Count == 5), "five webhooks", TimeSpan.FromSeconds(20));
        Assert.All(receiver.Accepted, hook =>
        {
            Assert.Equal("PULL_ARTIFACT", hook.Json.GetProperty("type").GetString());
            Assert.Equal("v2", hook.Json.GetProperty("event_data").GetProperty("resources")[0].GetProperty("tag").GetString());
        });
    }

    /// <summary>Rows inserted into the outbox since the last reset (PostgreSQL's SQL leaves the table name unquoted, SQLite's quotes it).</summary>
    private int EventInserts() => Commands.Commands.Sum(c => EventInsert().Count(c));

    [System.Text.RegularExpressions.GeneratedRegex("INSERT INTO \"?events\"? ")]
    private static partial System.Text.RegularExpressions.Regex EventInsert();

    /// <summary>The project's audit lines for pulls of <paramref name="resource"/> (by X-Total-Count).</summary>
    private async Task<int> PullLinesAsync(string resource)
    {
        using var response = await Server.Client.GetAsync("/api/v2.0/projects/test/logs?page_size=1&q=operation%3Dpull,resource%3D" + Uri.EscapeDataString(resource));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return int.Parse(response.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<System.Text.Json.JsonElement> GetJsonAsync(string path)
    {
        using var response = await Server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<string> AuditAsync()
    {
        using var response = await Server.Client.GetAsync("/api/v2.0/projects/test/logs?page_size=100");
        return await response.Content.ReadAsStringAsync();
    }
}
