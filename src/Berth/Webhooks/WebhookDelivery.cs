using System.Text.Json.Serialization;

namespace Berth.Webhooks;

/// <summary>The payload of one delivery job: which policy and target, and the body rendered when the event was handed on.</summary>
/// <remarks>The target's <c>auth_header</c> is not copied here: the job reads it from the policy when it sends.</remarks>
public sealed class WebhookDelivery
{
    [JsonPropertyName("policy_id")]
    public long PolicyId { get; set; }

    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    [JsonPropertyName("payload_format")]
    public string PayloadFormat { get; set; } = WebhookTarget.DefaultFormat;

    [JsonPropertyName("content_type")]
    public string ContentType { get; set; } = WebhookPayloads.JsonContentType;

    [JsonPropertyName("body")]
    public string Body { get; set; } = "";
}
