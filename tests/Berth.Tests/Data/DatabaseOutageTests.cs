using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Data;

/// <summary>
/// PostgreSQL failing under a running server, through a <see cref="FaultProxy"/>: the server's connections cut (as in a
/// crash or restart) and a server that stops answering. Clients get 503 with Retry-After, in time, and the server recovers.
/// </summary>
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_database_that_is_cut_off_or_stalls_is_a_503_with_retry_after_and_the_server_recovers_when_it_returns()
    {
        if (!TestDatabase.UsePostgres)
        {
            Assert.Skip("PostgreSQL outages are tested in the PostgreSQL pass of ./test.sh (BERTH_TEST_DATABASE=postgres)");
        }

        var directory = Directory.CreateTempSubdirectory("berth-test-").FullName;
        var url = (await TestDatabase.CreateAsync(directory))!;
        await using var proxy = FaultProxy.For(new Uri(url));
        // Short bounds, so that the stalled case ends quickly: 3 s to connect, 4 s per command.
        var throughProxy = proxy.Through(url) + "?timeout=3&command+timeout=4";
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = directory,
            ["Database:Url"] = throughProxy,
            ["Jobs:Enabled"] = "false",
        });
        var image = TestImage.Create().WithLayer(5000).Build();
        await server.Client.PushImageAsync("test/outage", image, "v1");

        foreach (var mode in new[] { FaultMode.Cut, FaultMode.Stall })
        {
            proxy.Mode = mode;
            await ExpectUnavailableAsync(server, mode);

            proxy.Mode = FaultMode.Forward;
            // Back: the first request may still meet a connection broken by the outage; within seconds all succeed.
            var manifest = await Poll.ForAsync(async () => await server.Client.GetAsync("/v2/test/outage/manifests/v1", Token),
                r => r.StatusCode == HttpStatusCode.OK, $"the manifest after the database came back from {mode}", TimeSpan.FromSeconds(20));
            Assert.Equal(image.Manifest.Content, await manifest.Content.ReadAsByteArrayAsync(Token));
            foreach (var blob in image.Blobs)
            {
                Assert.Equal(blob.Content, await server.Client.GetByteArrayAsync($"/v2/test/outage/blobs/{blob.Digest}", Token));
            }
        }

        // Nothing was lost: a push after the outages works, and the first image is still whole.
        await server.Client.PushImageAsync("test/outage", TestImage.Create().WithLayer(3000).Build(), "v2");
        using var tags = await server.Client.GetAsync("/v2/test/outage/tags/list", Token);
        Assert.Contains("\"v1\"", await tags.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    private static async Task ExpectUnavailableAsync(BerthServer server, FaultMode mode)
    {
        var clock = Stopwatch.StartNew();
        using var pull = await server.Client.GetAsync("/v2/test/outage/manifests/v1", Token);
        Assert.True(clock.Elapsed < Bound, $"{mode}: the pull took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pull.StatusCode);
        Assert.True(pull.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{mode}: 503 without Retry-After");
        Assert.Equal("UNKNOWN", await pull.ErrorCodeAsync());

        clock.Restart();
        using var projects = await server.SendAsync(HttpMethod.Get, "/api/v2.0/projects", TestCredentials.AdminAuthorization);
        Assert.True(clock.Elapsed < Bound, $"{mode}: the project list took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, projects.StatusCode);
        Assert.True(projects.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{mode}: 503 without Retry-After");
        using (var body = JsonDocument.Parse(await projects.Content.ReadAsStringAsync(Token)))
        {
            Assert.Equal("SERVICE_UNAVAILABLE", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        }

        clock.Restart();
        using var health = await server.Anonymous.GetAsync("/api/v2.0/health", Token);
        Assert.True(clock.Elapsed < Bound, $"{mode}: the health check took {clock.Elapsed}");
        using var document = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Token));
        Assert.Equal("unhealthy", document.RootElement.GetProperty("status").GetString());
        var components = document.RootElement.GetProperty("components").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("unhealthy", components["database"]);
        Assert.Equal("healthy", components["registry"]);
    }
}
