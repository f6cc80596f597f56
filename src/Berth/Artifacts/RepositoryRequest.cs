using System.Text.Json.Serialization;

namespace Berth.Artifacts;

/// <summary>Harbor's <c>Repository</c> as a request body: only <c>description</c> is read.</summary>
public sealed class RepositoryRequest
{
    [JsonPropertyName("description")]
    public string? Description { get; set; }
}
