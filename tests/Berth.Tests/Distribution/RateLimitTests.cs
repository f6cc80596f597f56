using System.Net;
using Berth.Testing;

namespace Berth.Tests.Distribution;

public sealed class RateLimitTests
{
    [Fact]
    public async Task A_client_over_its_rate_gets_toomanyrequests_with_retry_after()
    {
        await using var server = await BerthServer.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimit:RequestsPerSecond"] = "1",
            ["RateLimit:Burst"] = "3",
        });

        // The bucket refills one token a second, and a loaded machine may take longer than that for a few
        // requests: count what the elapsed time allows instead of assuming the requests fit in one second.
        var statuses = new List<HttpResponseMessage>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (statuses.Count < 40 && statuses.All(r => r.StatusCode != HttpStatusCode.TooManyRequests))
        {
            statuses.Add(await server.Client.GetAsync("/v2/"));
        }
        var elapsed = clock.Elapsed;

        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("TOOMANYREQUESTS", await limited.ErrorCodeAsync());
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.All(statuses.Take(3), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var allowed = 3 + (int)Math.Ceiling(elapsed.TotalSeconds);
        Assert.InRange(statuses.Count(r => r.StatusCode == HttpStatusCode.OK), 3, allowed);
        statuses.ForEach(r => r.Dispose());
    }
}
