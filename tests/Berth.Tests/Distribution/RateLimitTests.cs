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

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await server.Client.GetAsync("/v2/"));
        }

        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("TOOMANYREQUESTS", await limited.ErrorCodeAsync());
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(3, statuses.Count(r => r.StatusCode == HttpStatusCode.OK));
        statuses.ForEach(r => r.Dispose());
    }
}
