using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Tests.Webhooks;

/// <summary>The calls webhook tests repeat: projects, policies, and waiting for a policy's deliveries to end.</summary>
public static class WebhookApi
{
    /// <summary>The settings that make deliveries and their retries fast enough for tests.</summary>
    public static Dictionary<string, string?> FastSettings() => new()
    {
        ["Events:PollInterval"] = "00:00:00.050",
        ["Jobs:PollInterval"] = "00:00:00.050",
        ["Jobs:RetryBackoff"] = "00:00:00.050",
        ["Jobs:MaxAttempts"] = "2",
        ["Webhooks:Retries"] = "3",
        ["Webhooks:RetryDelay"] = "00:00:00.010",
        ["Webhooks:Timeout"] = "00:00:05",
        ["Distribution:PullTimeFlushInterval"] = "00:00:00.100",
    };

    public static async Task<long> CreateProjectAsync(BerthServer server, string name)
    {
        using var response = await server.SendAsync(HttpMethod.Post, "/api/v2.0/projects", TestCredentials.AdminAuthorization, $$"""{"project_name":"{{name}}"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return IdOf(response);
    }

    public static string Policy(string name, string address, string[] events, string format = "Default", string authHeader = "", bool skipCertVerify = false,
        bool enabled = true) => new JsonObject
        {
            ["name"] = name,
            ["description"] = "a test policy",
            ["targets"] = new JsonArray(new JsonObject
            {
                ["type"] = "http",
                ["address"] = address,
                ["auth_header"] = authHeader,
                ["skip_cert_verify"] = skipCertVerify,
                ["payload_format"] = format,
            }),
            ["event_types"] = new JsonArray(events.Select(e => (JsonNode)e!).ToArray()),
            ["enabled"] = enabled,
        }.ToJsonString();

    public static async Task<long> CreatePolicyAsync(BerthServer server, string project, string body)
    {
        using var response = await server.SendAsync(HttpMethod.Post, $"/api/v2.0/projects/{project}/webhook/policies", TestCredentials.AdminAuthorization, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return IdOf(response);
    }

    public static async Task<JsonElement> GetAsync(BerthServer server, string path)
    {
        using var response = await server.SendAsync(HttpMethod.Get, path, TestCredentials.AdminAuthorization);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    /// <summary>Waits until the policy has <paramref name="count"/> executions, all ended; returns them.</summary>
    public static Task<JsonElement> FinishedExecutionsAsync(BerthServer server, string project, long policyId, int count) =>
        Poll.ForAsync(() => GetAsync(server, $"/api/v2.0/projects/{project}/webhook/policies/{policyId}/executions?page_size=100"),
            list => list.GetArrayLength() == count && list.EnumerateArray().All(e => e.GetProperty("status").GetString() is "Success" or "Error" or "Stopped"),
            $"{count} finished executions of webhook policy {policyId}", TimeSpan.FromSeconds(20));

    public static long IdOf(HttpResponseMessage response) =>
        long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], CultureInfo.InvariantCulture);
}
