using System.Net;
using Berth.Testing;
using Berth.Tests.Webhooks;
using static Berth.Tests.Contract.Contract;

namespace Berth.Tests.Contract;

/// <summary>The audit log and webhook policy operations: status, headers and bodies as Harbor's swagger defines them, and Harbor's validation of policies.</summary>
public sealed class EventsContractTests : IAsyncLifetime
{
    private const string Policies = "/api/v2.0/projects/cx/webhook/policies";
    private BerthServer _server = null!;
    private long _projectId;

    public async ValueTask InitializeAsync()
    {
        _server = await BerthServer.StartAsync(WebhookApi.FastSettings());
        _projectId = await WebhookApi.CreateProjectAsync(_server, "cx");
        await WebhookApi.CreateProjectAsync(_server, "cy");
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null) =>
        _server.SendAsync(method, path, TestCredentials.AdminAuthorization, body);

    [Fact]
    public async Task Audit_logs_answer_in_harbors_shape()
    {
        await Poll.UntilAsync(async () =>
        {
            using var response = await SendAsync(HttpMethod.Get, "/api/v2.0/audit-logs");
            return response.Headers.GetValues("X-Total-Count").Single() == "2";
        }, "the projects' audit lines");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/audit-logs?page_size=1"), "AuditLog", 2, "next");
        await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/audit-logs?page=2&page_size=1&sort=-op_time"), "AuditLog", 2, "prev");
        var line = (await AssertListAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/cx/logs"), "AuditLog", 1))[0];
        Assert.Equal("cx", line.GetProperty("resource").GetString());
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/audit-logs?q=op_time%3D%5Bx~y%5D"), HttpStatusCode.BadRequest);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/none/logs"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Webhook_policies_are_created_read_listed_updated_and_deleted_in_harbors_shape()
    {
        var body = """
            {"name":"first","description":"d","event_types":["PUSH_ARTIFACT","PUSH_ARTIFACT","TAG_RETENTION"],"enabled":true,
             "targets":[{"type":"http","address":"http://127.0.0.1:9/hook?token=x#f","auth_header":"Basic abc","skip_cert_verify":true}]}
            """;
        var location = AssertCreated(await SendAsync(HttpMethod.Post, Policies, body), "/api/v2.0/projects/cx/webhook/policies/[0-9]+");
        AssertCreated(await SendAsync(HttpMethod.Post, Policies, WebhookApi.Policy("second", "https://example.com/h", ["PULL_ARTIFACT"], format: "CloudEvents")),
            "/api/v2.0/projects/cx/webhook/policies/[0-9]+");

        var policy = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location), "WebhookPolicy");
        Assert.Equal(_projectId, policy.GetProperty("project_id").GetInt64());
        Assert.Equal("admin", policy.GetProperty("creator").GetString());
        Assert.Equal(["PUSH_ARTIFACT", "TAG_RETENTION"], policy.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        var target = policy.GetProperty("targets")[0];
        Assert.Equal("http://127.0.0.1:9/hook", target.GetProperty("address").GetString());
        Assert.Equal("Default", target.GetProperty("payload_format").GetString());
        Assert.Equal("Basic abc", target.GetProperty("auth_header").GetString());
        Assert.True(target.GetProperty("skip_cert_verify").GetBoolean());

        await AssertListAsync(await SendAsync(HttpMethod.Get, Policies + "?page_size=1"), "WebhookPolicy", 2, "next");
        var named = await AssertListAsync(await SendAsync(HttpMethod.Get, Policies + "?q=name%3Dsecond"), "WebhookPolicy", 1);
        Assert.Equal("CloudEvents", named[0].GetProperty("targets")[0].GetProperty("payload_format").GetString());
        await AssertListAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/projects/{_projectId}/webhook/policies"), "WebhookPolicy", 2);

        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Put, location, WebhookApi.Policy("renamed", "http://127.0.0.1:9/other", ["DELETE_ARTIFACT"], enabled: false)));
        var updated = await AssertObjectAsync(await SendAsync(HttpMethod.Get, location), "WebhookPolicy");
        Assert.Equal("renamed", updated.GetProperty("name").GetString());
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.Equal(policy.GetProperty("creation_time").GetString(), updated.GetProperty("creation_time").GetString());
        Assert.Equal("admin", updated.GetProperty("creator").GetString());

        await AssertErrorAsync(await SendAsync(HttpMethod.Post, Policies, WebhookApi.Policy("second", "http://a/b", ["PUSH_ARTIFACT"])), HttpStatusCode.Conflict);
        await AssertErrorAsync(await SendAsync(HttpMethod.Put, location, WebhookApi.Policy("second", "http://a/b", ["PUSH_ARTIFACT"])), HttpStatusCode.Conflict);
        var id = location.Split('/')[^1];
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, $"/api/v2.0/projects/cy/webhook/policies/{id}"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, Policies + "/999999"), HttpStatusCode.NotFound);
        await AssertEmptyOkAsync(await SendAsync(HttpMethod.Delete, location));
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, location), HttpStatusCode.NotFound);
        await AssertErrorAsync(await SendAsync(HttpMethod.Delete, location), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[]}""")]
    [InlineData("""{"name":"x","event_types":[],"targets":[{"type":"http","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"x","event_types":["NOPE"],"targets":[{"type":"http","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"x","event_types":[null],"targets":[{"type":"http","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"slack","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"ftp://a/b"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"/relative"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"not a url"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://169.254.169.254/latest"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://a/b","payload_format":"Xml"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://a/b","auth_header":"a\r\nX-Evil: 1"}]}""")]
    [InlineData("""{"name":"x","event_types":["PUSH_ARTIFACT"],"targets":[null]}""")]
    [InlineData("""{"name":"x","event_types":"PUSH_ARTIFACT","targets":[{"type":"http","address":"http://a/b"}]}""")]
    [InlineData("""{"name":"x","enabled":"yes","event_types":["PUSH_ARTIFACT"],"targets":[{"type":"http","address":"http://a/b"}]}""")]
    public async Task Invalid_policies_are_refused_with_400(string body)
    {
        await AssertErrorAsync(await SendAsync(HttpMethod.Post, Policies, body), HttpStatusCode.BadRequest);
        await AssertListAsync(await SendAsync(HttpMethod.Get, Policies), "WebhookPolicy", 0);
    }

    [Fact]
    public async Task Event_types_last_triggers_and_executions_answer_in_harbors_shape()
    {
        var types = await AssertObjectAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/cx/webhook/events"), "SupportedWebhookEventTypes");
        Assert.Contains("PUSH_ARTIFACT", types.GetProperty("event_type").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["http"], types.GetProperty("notify_type").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["Default", "CloudEvents"], types.GetProperty("payload_formats")[0].GetProperty("formats").EnumerateArray().Select(e => e.GetString()));

        var id = await WebhookApi.CreatePolicyAsync(_server, "cx", WebhookApi.Policy("p", "http://127.0.0.1:9/x", ["PUSH_ARTIFACT", "PULL_ARTIFACT"]));
        var triggers = await AssertListOfAsync(await SendAsync(HttpMethod.Get, "/api/v2.0/projects/cx/webhook/lasttrigger"), "WebhookLastTrigger");
        Assert.Equal(2, triggers.GetArrayLength());
        Assert.All(triggers.EnumerateArray(), t => Assert.False(t.TryGetProperty("last_trigger_time", out _)));

        await AssertListAsync(await SendAsync(HttpMethod.Get, $"{Policies}/{id}/executions"), "Execution", 0);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, $"{Policies}/{id}/executions/999999/tasks"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, $"{Policies}/{id}/executions/999999/tasks/1/log"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await SendAsync(HttpMethod.Get, $"{Policies}/999999/executions"), HttpStatusCode.NotFound);
    }
}
