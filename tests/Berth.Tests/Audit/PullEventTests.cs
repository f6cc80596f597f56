using System.Net;
using Berth.Distribution.Manifests;
using Berth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Audit;

/// <summary>Pull events stay off the request path: a manifest GET writes nothing, the pull recorder's flusher writes the event.</summary>
public sealed class PullEventTests : IAsyncLifetime
{
    private readonly SqlCommandCounter _commands = new();
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        // The flusher's own timer never fires during the test: only the explicit flush below writes pulls.
        _server = await BerthServer.StartAsync(new Dictionary<string, string?>
        {
            ["Events:PollInterval"] = "00:00:00.050",
            ["Distribution:PullTimeFlushInterval"] = "01:00:00",
        });
        _commands.DataDirectory = _server.DataDirectory;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _commands.Dispose();
    }

    [Fact]
    public async Task A_manifest_get_writes_nothing_and_the_flush_writes_its_event_with_the_operator_and_tag()
    {
        await _server.Client.PushImageAsync("test/pulled", TestImage.Create().WithLayer(60).Build(), "v7");
        await Poll.UntilAsync(async () => (await AuditAsync()).Contains("\"create\"", StringComparison.Ordinal), "the push's audit line");
        _commands.Reset();
        for (var i = 0; i < 3; i++)
        {
            using var pull = await _server.Client.GetAsync("/v2/test/pulled/manifests/v7");
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        // The push's event is handed on already (its audit line commits with its removal), so nothing at all may write now.
        var written = _commands.Commands.Where(c => !c.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(written.Count == 0, string.Join("\n", written));
        Assert.DoesNotContain("\"pull\"", await AuditAsync(), StringComparison.Ordinal);

        var flusher = _server.Services.GetRequiredService<PullRecorderFlusher>();
        await Poll.UntilAsync(async () =>
        {
            await flusher.FlushAsync(CancellationToken.None);
            return (await AuditAsync()).Split("\"pull\"").Length - 1 == 3;
        }, "three pull lines");
        Assert.Contains("test/pulled:v7", await AuditAsync(), StringComparison.Ordinal);
    }

    private async Task<string> AuditAsync()
    {
        using var response = await _server.Client.GetAsync("/api/v2.0/projects/test/logs?page_size=100");
        return await response.Content.ReadAsStringAsync();
    }
}
