using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Webhooks;

/// <summary>Harbor's <c>WebhookPolicy</c> as a request body. What the server decides (id, project, creator, times) is read and ignored.</summary>
public sealed class WebhookPolicyBody
{
    [JsonPropertyName("id")]
    public JsonElement? Id { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("project_id")]
    public JsonElement? ProjectId { get; set; }

    [JsonPropertyName("targets")]
    public List<WebhookTargetBody?>? Targets { get; set; }

    [JsonPropertyName("event_types")]
    public List<string?>? EventTypes { get; set; }

    [JsonPropertyName("creator")]
    public JsonElement? Creator { get; set; }

    [JsonPropertyName("creation_time")]
    public JsonElement? CreationTime { get; set; }

    [JsonPropertyName("update_time")]
    public JsonElement? UpdateTime { get; set; }

    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }
}

/// <summary>Harbor's <c>WebhookTargetObject</c>: where to send, how, and with which <c>Authorization</c> header.</summary>
public sealed class WebhookTargetBody
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("address")]
    public string? Address { get; set; }

    [JsonPropertyName("auth_header")]
    public string? AuthHeader { get; set; }

    [JsonPropertyName("skip_cert_verify")]
    public bool? SkipCertVerify { get; set; }

    [JsonPropertyName("payload_format")]
    public string? PayloadFormat { get; set; }
}
