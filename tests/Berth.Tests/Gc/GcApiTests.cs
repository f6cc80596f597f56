using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Tests.Gc;

/// <summary>/api/v2.0/system/gc: Harbor's GC API over the job system.</summary>
public sealed class GcApiTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(new Dictionary<string, string?>
        {
            ["Gc:GraceWindow"] = "00:00:00",
            ["Jobs:PollInterval"] = "00:00:00.100",
        });
        await TestCredentials.AddUserAsync(_server.DataDirectory, "plain", "Passw0rdPlain");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? TestCredentials.AdminAuthorization);
        return await _server.Anonymous.SendAsync(request);
    }

    [Fact]
    public async Task A_manual_run_shows_in_the_history_with_its_results_and_log()
    {
        (await _server.Client.PushBlobAsync("gc/api", TestBlob.Random(321))).Dispose();
        using var started = await SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule",
            """{"schedule":{"type":"Manual"},"parameters":{"delete_untagged":false,"dry_run":false,"workers":3}}""");
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var location = started.Headers.Location!.OriginalString;
        Assert.Matches("^/api/v2.0/system/gc/[0-9]+$", location);

        JsonElement history;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            using var get = await SendAsync(HttpMethod.Get, location);
            history = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        }
        while (history.GetProperty("job_status").GetString() is "Pending" or "Running" && DateTime.UtcNow < deadline);

        Assert.Equal("Success", history.GetProperty("job_status").GetString());
        Assert.Equal("MANUAL", history.GetProperty("job_kind").GetString());
        Assert.Equal("Manual", history.GetProperty("schedule").GetProperty("type").GetString());
        var parameters = JsonDocument.Parse(history.GetProperty("job_parameters").GetString()!).RootElement;
        Assert.Equal(3, parameters.GetProperty("workers").GetInt32());
        Assert.Equal(321, parameters.GetProperty("freed_space").GetInt64());

        using var log = await SendAsync(HttpMethod.Get, location + "/log");
        Assert.Equal("text/plain", log.Content.Headers.ContentType!.MediaType);
        Assert.Contains("deleted 1 blobs, 321 bytes", await log.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var list = await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc");
        Assert.Equal("1", list.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Put, location)).StatusCode);
    }

    [Fact]
    public async Task The_schedule_is_created_read_updated_and_removed()
    {
        using (var none = await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc/schedule"))
        {
            Assert.Equal(HttpStatusCode.OK, none.StatusCode);
            Assert.Empty(await none.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule",
            """{"schedule":{"type":"Daily"},"parameters":{"delete_untagged":true,"workers":2}}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule",
            """{"schedule":{"type":"Daily"}}""")).StatusCode);

        using (var daily = await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc/schedule"))
        {
            var schedule = JsonDocument.Parse(await daily.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Daily", schedule.GetProperty("schedule").GetProperty("type").GetString());
            Assert.Equal("0 0 0 * * *", schedule.GetProperty("schedule").GetProperty("cron").GetString());
            Assert.True(DateTime.Parse(schedule.GetProperty("schedule").GetProperty("next_scheduled_time").GetString()!,
                System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime() > DateTime.UtcNow);
            Assert.True(schedule.GetProperty("parameters").GetProperty("delete_untagged").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, "/api/v2.0/system/gc/schedule",
            """{"schedule":{"type":"Custom","cron":"0 30 2 * * *"}}""")).StatusCode);
        using (var custom = await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc/schedule"))
        {
            Assert.Contains("\"cron\":\"0 30 2 * * *\"", await custom.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, "/api/v2.0/system/gc/schedule", """{"schedule":{"type":"None"}}""")).StatusCode);
        using var removed = await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc/schedule");
        Assert.Empty(await removed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"schedule":{"type":"Manual"},"parameters":{"workers":11}}""")]
    [InlineData("""{"schedule":{"type":"Manual"},"parameters":{"dry_run":"yes"}}""")]
    [InlineData("""{"schedule":{"type":"Custom","cron":"* * * * *"}}""")]
    [InlineData("""{"schedule":{"type":"Sometimes"}}""")]
    [InlineData("""{"parameters":{}}""")]
    [InlineData("""{"schedule":""")]
    public async Task Bad_requests_are_400(string body)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"errors\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_system_administrators_touch_gc()
    {
        var plain = TestCredentials.Basic("plain", "Passw0rdPlain");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v2.0/system/gc", null, plain)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule",
            """{"schedule":{"type":"Manual"}}""", plain)).StatusCode);
        using var anonymous = await _server.Anonymous.GetAsync("/api/v2.0/system/gc/schedule");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
