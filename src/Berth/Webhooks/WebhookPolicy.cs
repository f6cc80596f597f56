using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Webhooks;

/// <summary>A validated webhook policy, as stored in the <c>policies</c> table (kind <c>webhook</c>) and shown by the API.</summary>
public sealed class WebhookPolicy
{
    public const string Kind = "webhook";

    [JsonIgnore]
    public long Id { get; set; }

    [JsonIgnore]
    public long ProjectId { get; set; }

    [JsonIgnore]
    public DateTime CreatedAt { get; set; }

    [JsonIgnore]
    public DateTime UpdatedAt { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("description")]
    public string Description { get; set; } = "";

    [JsonPropertyName("targets")]
    public List<WebhookTarget> Targets { get; set; } = [];

    [JsonPropertyName("event_types")]
    public List<string> EventTypes { get; set; } = [];

    [JsonPropertyName("creator")]
    public string Creator { get; set; } = "";

    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; }

    public string Serialize() => JsonSerializer.Serialize(this);

    public static WebhookPolicy Parse(string json) => JsonSerializer.Deserialize<WebhookPolicy>(json) ?? new WebhookPolicy();
}

/// <summary>One validated target: an absolute http(s) address, its payload format and its secret header.</summary>
public sealed class WebhookTarget
{
    public const string Http = "http";
    public const string DefaultFormat = "Default";
    public const string CloudEventsFormat = "CloudEvents";

    [JsonPropertyName("type")]
    public string Type { get; set; } = Http;

    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    /// <summary>Sent as the <c>Authorization</c> header. A secret: never logged.</summary>
    [JsonPropertyName("auth_header")]
    public string AuthHeader { get; set; } = "";

    [JsonPropertyName("skip_cert_verify")]
    public bool SkipCertVerify { get; set; }

    [JsonPropertyName("payload_format")]
    public string PayloadFormat { get; set; } = DefaultFormat;
}
