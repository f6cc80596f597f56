using System.Text.Json.Serialization;

namespace Berth.Artifacts;

/// <summary>Harbor's <c>NewTag</c>.</summary>
public sealed class NewTagRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
