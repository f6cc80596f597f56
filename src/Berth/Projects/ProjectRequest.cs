using System.Text.Json.Serialization;

namespace Berth.Projects;

/// <summary>Harbor's <c>ProjectReq</c>, and nothing more: what a caller may set when creating or updating a project.</summary>
/// <remarks>An explicit input type: fields the caller must not set (owner, ids, times) do not exist here to be bound.</remarks>
public sealed class ProjectRequest
{
    [JsonPropertyName("project_name")]
    public string? ProjectName { get; set; }

    /// <summary>Deprecated in Harbor's swagger in favour of <c>metadata.public</c>, still honoured.</summary>
    [JsonPropertyName("public")]
    public bool? Public { get; set; }

    /// <summary>String values, as Harbor's metadata has them (<c>"public": "true"</c>).</summary>
    [JsonPropertyName("metadata")]
    public Dictionary<string, string?>? Metadata { get; set; }

    [JsonPropertyName("storage_limit")]
    public long? StorageLimit { get; set; }

    [JsonPropertyName("registry_id")]
    public long? RegistryId { get; set; }
}
