using System.Net;
using Berth.Testing;
using Berth.Tests.Retention;
using static Berth.Tests.Webhooks.WebhookApi;

namespace Berth.Tests.Webhooks;

/// <summary>Webhooks sent to a real receiver: each event type once, in both payload formats, through failures, with the secret header and certificate rules.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private BerthServer _server = null!;
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(FastSettings());
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Push_pull_and_delete_each_arrive_once_in_harbors_default_payload()
    {
        await CreateProjectAsync(_server, "hooks");
        var policy = await CreatePolicyAsync(_server, "hooks",
            Policy("all", _receiver.Url + "/default", ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT"]));
        var image = TestImage.Create().WithLayer(50).Build();
        var digest = image.Manifest.Digest;

        await _server.Client.PushImageAsync("hooks/app", image, "v1");
        await ArrivedAsync("PUSH_ARTIFACT");
        using (var pull = await _server.Client.GetAsync("/v2/hooks/app/manifests/v1"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        await ArrivedAsync("PULL_ARTIFACT");
        using (var delete = await _server.Client.DeleteAsync($"/v2/hooks/app/manifests/{digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        await ArrivedAsync("DELETE_ARTIFACT");
        await FinishedExecutionsAsync(_server, "hooks", policy, 3);
        var hooks = _receiver.Accepted;
        Assert.Equal(["DELETE_ARTIFACT", "PULL_ARTIFACT", "PUSH_ARTIFACT"], hooks.Select(h => h.Json.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
        foreach (var hook in hooks)
        {
            Assert.Equal("/default", hook.Path);
            Assert.Equal("application/json", hook.ContentType);
            Assert.Null(hook.Authorization);
            var json = hook.Json;
            Assert.Equal(["event_data", "occur_at", "operator", "type"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal("admin", json.GetProperty("operator").GetString());
            Assert.InRange(json.GetProperty("occur_at").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var resource = Assert.Single(json.GetProperty("event_data").GetProperty("resources").EnumerateArray());
            Assert.Equal(digest, resource.GetProperty("digest").GetString());
            Assert.Equal("v1", resource.GetProperty("tag").GetString());
            Assert.Equal($"{_server.HostPort}/hooks/app:v1", resource.GetProperty("resource_url").GetString());
            var repository = json.GetProperty("event_data").GetProperty("repository");
            Assert.Equal("app", repository.GetProperty("name").GetString());
            Assert.Equal("hooks", repository.GetProperty("namespace").GetString());
            Assert.Equal("hooks/app", repository.GetProperty("repo_full_name").GetString());
            Assert.Equal("private", repository.GetProperty("repo_type").GetString());
            Assert.True(repository.GetProperty("date_created").GetInt64() > 0);
        }
    }

    [Fact]
    public async Task CloudEvents_targets_get_a_structured_cloudevent_with_harbors_type_source_and_extensions()
    {
        var projectId = await CreateProjectAsync(_server, "clouds");
        var policy = await CreatePolicyAsync(_server, "clouds",
            Policy("ce", _receiver.Url + "/ce", ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT"], format: "CloudEvents"));
        var image = TestImage.Create().WithLayer(51).Build();
        foreach (var blob in image.Blobs)
        {
            (await _server.Client.PushBlobAsync("clouds/app", blob)).Dispose();
        }

        using (var request = new HttpRequestMessage(HttpMethod.Put, "/v2/clouds/app/manifests/v2") { Content = new ByteArrayContent(image.Manifest.Content) })
        {
            request.Content.Headers.ContentType = new(image.Manifest.MediaType);
            request.Headers.Add("X-Request-Id", "req-4242");
            using var response = await _server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var hook = await ArrivedAsync("harbor.artifact.pushed");
        Assert.Equal("application/cloudevents+json", hook.ContentType);
        var json = hook.Json;
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal($"/projects/{projectId}/webhook/policies/{policy}", json.GetProperty("source").GetString());
        Assert.True(Guid.TryParse(json.GetProperty("id").GetString(), out _));
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
        Assert.True(Contract.Contract.IsRfc3339(json.GetProperty("time").GetString()!));
        Assert.Equal("admin", json.GetProperty("operator").GetString());
        Assert.Equal("req-4242", json.GetProperty("requestid").GetString());
        var data = json.GetProperty("data");
        Assert.Equal("v2", data.GetProperty("resources")[0].GetProperty("tag").GetString());
        Assert.Equal(image.Manifest.Digest, data.GetProperty("resources")[0].GetProperty("digest").GetString());
        Assert.Equal("clouds/app", data.GetProperty("repository").GetProperty("repo_full_name").GetString());

        using (var pull = await _server.Client.GetAsync($"/v2/clouds/app/manifests/{image.Manifest.Digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        var pulled = (await ArrivedAsync("harbor.artifact.pulled")).Json.GetProperty("data").GetProperty("resources")[0];
        Assert.Equal(image.Manifest.Digest, pulled.GetProperty("tag").GetString());
        Assert.Equal($"{_server.HostPort}/clouds/app@{image.Manifest.Digest}", pulled.GetProperty("resource_url").GetString());
        using (var delete = await _server.SendAsync(HttpMethod.Delete, "/api/v2.0/projects/clouds/repositories/app/artifacts/v2", TestCredentials.AdminAuthorization))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        await ArrivedAsync("harbor.artifact.deleted");
        await FinishedExecutionsAsync(_server, "clouds", policy, 3);
        Assert.Equal(["harbor.artifact.deleted", "harbor.artifact.pulled", "harbor.artifact.pushed"],
            _receiver.Accepted.Select(h => h.Json.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
        Assert.All(_receiver.Accepted, h => Assert.Equal("application/cloudevents+json", h.ContentType));
    }

    [Fact]
    public async Task A_receiver_that_fails_three_times_gets_the_webhook_on_the_fourth_with_its_auth_header()
    {
        await CreateProjectAsync(_server, "flaky");
        const string Secret = "Bearer s3cr3t-webhook-token";
        var policy = await CreatePolicyAsync(_server, "flaky", Policy("flaky", _receiver.Url + "/flaky", ["PUSH_ARTIFACT"], authHeader: Secret));
        _receiver.FailNext(3);
        await _server.Client.PushImageAsync("flaky/app", TestImage.Create().WithLayer(52).Build(), "v1");

        await ArrivedAsync("PUSH_ARTIFACT");
        var executions = await FinishedExecutionsAsync(_server, "flaky", policy, 1);
        Assert.Equal(4, _receiver.Received.Count);
        Assert.All(_receiver.Received, r => Assert.Equal(Secret, r.Authorization));
        var execution = executions[0];
        Contract.Contract.AssertMatches(execution, "Execution");
        Assert.Equal("Success", execution.GetProperty("status").GetString());
        Assert.Equal("EVENT", execution.GetProperty("trigger").GetString());
        Assert.Equal("WEBHOOK", execution.GetProperty("vendor_type").GetString());
        Assert.Equal(policy, execution.GetProperty("vendor_id").GetInt64());
        Assert.Equal(1, execution.GetProperty("metrics").GetProperty("success_task_count").GetInt32());
        Assert.Equal("PUSH_ARTIFACT", execution.GetProperty("extra_attrs").GetProperty("event_type").GetString());
        var executionId = execution.GetProperty("id").GetInt64();
        var task = Assert.Single((await GetAsync(_server, $"/api/v2.0/projects/flaky/webhook/policies/{policy}/executions/{executionId}/tasks")).EnumerateArray());
        Contract.Contract.AssertMatches(task, "Task");
        Assert.Equal("Success", task.GetProperty("status").GetString());
        Assert.Equal(_receiver.Url + "/flaky", task.GetProperty("extra_attrs").GetProperty("address").GetString());
        using var log = await _server.SendAsync(HttpMethod.Get,
            $"/api/v2.0/projects/flaky/webhook/policies/{policy}/executions/{executionId}/tasks/{task.GetProperty("id").GetInt64()}/log",
            TestCredentials.AdminAuthorization);
        var text = await log.Content.ReadAsStringAsync();
        Assert.Equal("text/plain", log.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attempt 3 failed: answered 503", text, StringComparison.Ordinal);
        Assert.Contains("answered 200 OK", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);

        var triggers = await GetAsync(_server, "/api/v2.0/projects/flaky/webhook/lasttrigger");
        var trigger = Assert.Single(triggers.EnumerateArray());
        Assert.Equal("flaky", trigger.GetProperty("policy_name").GetString());
        Assert.Equal("PUSH_ARTIFACT", trigger.GetProperty("event_type").GetString());
        Assert.True(trigger.TryGetProperty("last_trigger_time", out _));
    }

    [Fact]
    public async Task Certificates_are_verified_unless_the_target_says_skip_cert_verify()
    {
        await using var tls = await WebhookReceiver.StartAsync(tls: true);
        await CreateProjectAsync(_server, "tls");
        var skipping = await CreatePolicyAsync(_server, "tls", Policy("skipping", tls.Url + "/skip", ["PUSH_ARTIFACT"], skipCertVerify: true));
        var verifying = await CreatePolicyAsync(_server, "tls", Policy("verifying", tls.Url + "/verify", ["PUSH_ARTIFACT"]));
        await _server.Client.PushImageAsync("tls/app", TestImage.Create().WithLayer(53).Build(), "v1");

        Assert.Equal("Success", (await FinishedExecutionsAsync(_server, "tls", skipping, 1))[0].GetProperty("status").GetString());
        Assert.Equal("Error", (await FinishedExecutionsAsync(_server, "tls", verifying, 1))[0].GetProperty("status").GetString());
        Assert.Equal(["/skip"], tls.Received.Select(r => r.Path));
    }

    [Fact]
    public async Task Disabled_policies_and_notification_enable_false_send_nothing()
    {
        await CreateProjectAsync(_server, "quiet");
        var body = Policy("quiet", _receiver.Url + "/quiet", ["PUSH_ARTIFACT"], enabled: false);
        var policy = await CreatePolicyAsync(_server, "quiet", body);
        await _server.Client.PushImageAsync("quiet/app", TestImage.Create().WithLayer(54).Build(), "v1");
        await AuditedAsync("quiet/app:v1");

        using (var off = await _server.SendAsync(HttpMethod.Put, "/api/v2.0/configurations", TestCredentials.AdminAuthorization, """{"notification_enable":false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        using (var enable = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/projects/quiet/webhook/policies/{policy}", TestCredentials.AdminAuthorization,
            body.Replace("\"enabled\":false", "\"enabled\":true", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        await _server.Client.PushImageAsync("quiet/app", TestImage.Create().WithLayer(55).Build(), "v2");
        await AuditedAsync("quiet/app:v2");
        // The audit line and the deliveries are written in the same transaction: none was.
        Assert.Equal(0, (await GetAsync(_server, $"/api/v2.0/projects/quiet/webhook/policies/{policy}/executions")).GetArrayLength());
        Assert.Empty(_receiver.Received);
        var info = await GetAsync(_server, "/api/v2.0/systeminfo");
        Assert.False(info.GetProperty("notification_enable").GetBoolean());
    }

    [Fact]
    public async Task A_retention_run_sends_tag_retention_with_its_totals_and_what_it_deleted_and_a_dry_run_sends_nothing()
    {
        var projectId = await CreateProjectAsync(_server, "kept");
        var policy = await CreatePolicyAsync(_server, "kept", Policy("retention", _receiver.Url + "/retention", ["TAG_RETENTION"]));
        await _server.Client.PushImageAsync("kept/app", TestImage.Create().WithLayer(56).Build(), "old");
        await _server.Client.PushImageAsync("kept/app", TestImage.Create().WithLayer(57).Build(), "new");
        var retention = await RetentionApi.CreateAsync(_server, RetentionApi.Policy(projectId, "", RetentionApi.Rule("latestPushedK", 1)));
        await RunRetentionAsync(retention, dryRun: true, runs: 1);
        await RunRetentionAsync(retention, dryRun: false, runs: 2);

        var hook = await ArrivedAsync("TAG_RETENTION");
        await FinishedExecutionsAsync(_server, "kept", policy, 1);
        var json = hook.Json;
        Assert.Equal("system", json.GetProperty("operator").GetString());
        var run = json.GetProperty("event_data").GetProperty("retention");
        Assert.Equal(2, run.GetProperty("total").GetInt64());
        Assert.Equal(1, run.GetProperty("retained").GetInt64());
        Assert.Equal("kept", run.GetProperty("project_name").GetString());
        Assert.Equal(retention, run.GetProperty("retention_policy_id").GetInt64());
        Assert.Equal("SUCCESS", run.GetProperty("result").GetString());
        Assert.Equal(_server.HostPort, run.GetProperty("harbor_hostname").GetString());
        Assert.Equal("kept/app:old", Assert.Single(run.GetProperty("deleted_artifact").EnumerateArray()).GetProperty("name_tag").GetString());
        Assert.Single(_receiver.Accepted);
    }

    [Fact]
    public async Task A_push_past_85_percent_sends_quota_warning_and_a_refused_push_sends_quota_exceed_after_its_rollback()
    {
        var projectId = await CreateProjectAsync(_server, "quotahooks");
        var policy = await CreatePolicyAsync(_server, "quotahooks",
            Policy("quota", _receiver.Url + "/quota", ["QUOTA_WARNING", "QUOTA_EXCEED"]));
        using (var limited = await _server.SendAsync(HttpMethod.Put, $"/api/v2.0/quotas/{await QuotaIdAsync(projectId)}",
            TestCredentials.AdminAuthorization, """{"hard":{"storage":10000}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, limited.StatusCode);
        }

        // The layer and config stay under 85 %; the manifest takes the project past it, and that one charge warns.
        var image = TestImage.Create().WithLayer(8000).Build();
        foreach (var blob in image.Blobs)
        {
            RegistryClient.Expect(await _server.Client.PushBlobAsync("quotahooks/app", blob), HttpStatusCode.Created);
        }

        Assert.True(SizeOf(image.Blobs) * 100 < 10000 * 85);
        Assert.True((SizeOf(image.Blobs) + image.Manifest.Size) * 100 >= 10000 * 85);
        using (var manifest = await _server.Client.PushManifestAsync("quotahooks/app", "v1", image.Manifest))
        {
            Assert.Equal(HttpStatusCode.Created, manifest.StatusCode);
        }

        var warning = await ArrivedAsync("QUOTA_WARNING");
        var warned = warning.Json.GetProperty("event_data");
        Assert.StartsWith("Quota usage reached 85%", warned.GetProperty("custom_attributes").GetProperty("Details").GetString(), StringComparison.Ordinal);
        Assert.Equal("quotahooks/app", warned.GetProperty("repository").GetProperty("repo_full_name").GetString());

        // Refused: its transaction rolled back, and the event is recorded all the same, with Harbor's message.
        RegistryClient.Expect(await _server.Client.PushBlobAsync("quotahooks/app", TestBlob.Random(5000)), HttpStatusCode.Forbidden);
        var exceeded = await ArrivedAsync("QUOTA_EXCEED");
        var details = exceeded.Json.GetProperty("event_data").GetProperty("custom_attributes").GetProperty("Details").GetString();
        Assert.StartsWith("Quota exceeded when processing the request of adding 4.9 KiB of storage resource", details, StringComparison.Ordinal);
        Assert.Equal("admin", exceeded.Json.GetProperty("operator").GetString());
        await FinishedExecutionsAsync(_server, "quotahooks", policy, 2);
        Assert.Equal(["QUOTA_EXCEED", "QUOTA_WARNING"], _receiver.Accepted.Select(h => h.Json.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
    }

    private static long SizeOf(IEnumerable<TestBlob> blobs) => blobs.Sum(b => b.Size);

    private async Task<long> QuotaIdAsync(long projectId) =>
        (await GetAsync(_server, $"/api/v2.0/quotas?reference=project&reference_id={projectId}"))[0].GetProperty("id").GetInt64();

    /// <summary>Runs a retention policy and waits until its <paramref name="runs"/>-th execution has ended.</summary>
    private async Task RunRetentionAsync(long retention, bool dryRun, int runs)
    {
        using (var started = await _server.SendAsync(HttpMethod.Post, $"/api/v2.0/retentions/{retention}/executions", TestCredentials.AdminAuthorization,
            dryRun ? """{"dry_run":true}""" : """{"dry_run":false}"""))
        {
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        }

        await Poll.ForAsync(() => GetAsync(_server, $"/api/v2.0/retentions/{retention}/executions"),
            list => list.GetArrayLength() == runs && list.EnumerateArray().All(e => e.GetProperty("status").GetString() is "Success" or "Error" or "Stopped"),
            $"retention run {runs}", TimeSpan.FromSeconds(20));
    }

    private Task AuditedAsync(string resource) => Poll.UntilAsync(async () =>
        (await GetAsync(_server, "/api/v2.0/audit-logs?q=resource%3D" + Uri.EscapeDataString(resource))).GetArrayLength() == 1, $"the audit line of {resource}");

    /// <summary>Waits for a webhook of <paramref name="type"/> (Harbor's or CloudEvents' type) to be accepted.</summary>
    private async Task<ReceivedHook> ArrivedAsync(string type)
    {
        ReceivedHook? found = null;
        await Poll.UntilAsync(() =>
        {
            found = _receiver.Accepted.FirstOrDefault(h => h.Json.GetProperty("type").GetString() == type);
            return Task.FromResult(found is not null);
        }, $"a {type} webhook", TimeSpan.FromSeconds(20));
        return found!;
    }
}
