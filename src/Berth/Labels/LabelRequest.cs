using System.Text.Json.Serialization;

namespace Berth.Labels;

/// <summary>Harbor's <c>Label</c> as a request body; <c>id</c>, times and anything else are ignored.</summary>
public sealed class LabelRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("color")]
    public string? Color { get; set; }

    [JsonPropertyName("scope")]
    public string? Scope { get; set; }

    [JsonPropertyName("project_id")]
    public long? ProjectId { get; set; }
}
