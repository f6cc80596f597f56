using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Testing;

namespace Berth.Tests.Metrics;

/// <summary><c>/metrics</c> on the real server: what the requests, uploads, jobs and quotas it served must show, in Prometheus' text format.</summary>
public sealed partial class MetricsTests : IAsyncLifetime
{
    private BerthServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await BerthServer.StartAsync(new Dictionary<string, string?>
    {
        ["Jobs:PollInterval"] = "00:00:00.100",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> ScrapeAsync()
    {
        using var response = await _server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the one sample named <paramref name="series"/> (name and labels exactly as written), or null.</summary>
    internal static double? Sample(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [Fact]
    public async Task Requests_bytes_storage_and_jobs_show_with_exact_figures()
    {
        using (var project = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization,
            """{"project_name":"metered"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, project.StatusCode);
        }

        var image = TestImage.Create().WithLayer(3000).Build();
        await _server.Client.PushImageAsync("metered/app", image, "v1");
        for (var i = 0; i < 3; i++)
        {
            using var pulled = await _server.Client.GetAsync("/v2/metered/app/manifests/v1");
            Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
        }

        using (var missing = await _server.Client.GetAsync("/v2/metered/app/manifests/nope"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // A chunked upload (no Content-Length) counts the bytes it stored.
        var chunked = TestBlob.Random(5000);
        using (var start = await _server.Client.PostAsync("/v2/metered/chunked/blobs/uploads/", null))
        {
            var location = start.Headers.Location!.OriginalString;
            using var body = new StreamContent(new MemoryStream(chunked.Content));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = body };
            patch.Headers.TransferEncodingChunked = true;
            using var patched = await _server.Client.SendAsync(patch);
            Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        }

        using (var gc = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/system/gc/schedule", TestCredentials.AdminAuthorization,
            """{"schedule":{"type":"Manual"},"parameters":{"dry_run":true}}"""))
        {
            Assert.Equal(HttpStatusCode.Created, gc.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            text = await ScrapeAsync();
        }
        while (Sample(text, """berth_jobs_completed_total{kind="gc",outcome="succeeded"}""") is null && DateTime.UtcNow < deadline);

        Assert.Equal(1, Sample(text, """berth_jobs_completed_total{kind="gc",outcome="succeeded"}"""));
        Assert.Equal(3, Sample(text, """berth_http_server_requests_total{method="GET",route="/v2/{name}/manifests/{reference}",status="200"}"""));
        Assert.Equal(1, Sample(text, """berth_http_server_requests_total{method="GET",route="/v2/{name}/manifests/{reference}",status="404"}"""));
        Assert.Equal(1, Sample(text, """berth_http_server_requests_total{method="POST",route="/api/v2.0/projects/",status="201"}"""));
        Assert.Equal(3, Sample(text,
            """berth_http_server_request_duration_seconds_count{method="GET",route="/v2/{name}/manifests/{reference}",status="200"}"""));
        Assert.Equal(3, Sample(text,
            """berth_http_server_request_duration_seconds_bucket{method="GET",route="/v2/{name}/manifests/{reference}",status="200",le="+Inf"}"""));
        Assert.Equal(3 * image.Manifest.Size, Sample(text, """berth_http_server_response_body_bytes_total{route="/v2/{name}/manifests/{reference}"}"""));
        Assert.Equal(image.Blobs.Sum(b => b.Size), Sample(text, """berth_http_server_request_body_bytes_total{route="/v2/{name}/blobs/uploads/"}"""));
        Assert.Equal(5000, Sample(text, """berth_http_server_request_body_bytes_total{route="/v2/{name}/blobs/uploads/{reference}"}"""));

        using var quota = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/v2.0/projects/metered/summary"));
        var used = quota.RootElement.GetProperty("quota").GetProperty("used").GetProperty("storage").GetInt64();
        Assert.Equal(image.Blobs.Sum(b => b.Size) + image.Manifest.Size, used); // the chunked upload is unfinished: not charged
        Assert.Equal(used, Sample(text, """berth_project_storage_used_bytes{project="metered"}"""));
        Assert.Equal(-1, Sample(text, """berth_project_storage_limit_bytes{project="metered"}"""));
        Assert.Contains("# TYPE berth_jobs_queue_depth gauge", text, StringComparison.Ordinal);

        // Every sample line is a name, optional labels and a number; histogram buckets never decrease.
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            Assert.Matches(SampleLine(), line);
        }
    }

    [Fact]
    public async Task Metrics_are_for_administrators_unless_opened_to_anyone()
    {
        using (var anonymous = await _server.Anonymous.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        await TestCredentials.AddUserAsync(_server.DataDirectory, "watcher", "watcher-password");
        using (var user = await _server.SendAsync(HttpMethod.Get, "/metrics", TestCredentials.Basic("watcher", "watcher-password")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        }

        using var robot = await _server.SendAsync(HttpMethod.Post, "/api/v2.0/robots", TestCredentials.AdminAuthorization,
            """{"name":"prometheus","level":"system","duration":-1,"permissions":[{"kind":"system","namespace":"/","access":[{"resource":"jobservice-monitor","action":"list"}]}]}""");
        Assert.Equal(HttpStatusCode.Created, robot.StatusCode);
        using var created = JsonDocument.Parse(await robot.Content.ReadAsStringAsync());
        using var scraped = await _server.SendAsync(HttpMethod.Get, "/metrics",
            TestCredentials.Basic(created.RootElement.GetProperty("name").GetString()!, created.RootElement.GetProperty("secret").GetString()!));
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);

        await using var open = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Metrics:AllowAnonymous"] = "true" });
        using var anyone = await open.Anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, anyone.StatusCode);

        await using var off = await BerthServer.StartAsync(new Dictionary<string, string?> { ["Metrics:Enabled"] = "false" });
        using var none = await off.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [GeneratedRegex("""^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+E-]+$""")]
    private static partial Regex SampleLine();
}
