using System.Text.Json.Serialization;

namespace Berth.Projects.Immutability;

/// <summary>Harbor's <c>ImmutableSelector</c>: a doublestar pattern that a repository or a tag matches, or must not match.</summary>
public sealed class ImmutableSelector
{
    /// <summary>Only <c>doublestar</c> exists.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary><c>matches</c> or <c>excludes</c> for tags; <c>repoMatches</c> or <c>repoExcludes</c> for repositories.</summary>
    [JsonPropertyName("decoration")]
    public string? Decoration { get; set; }

    [JsonPropertyName("pattern")]
    public string? Pattern { get; set; }

    /// <summary>Accepted because the swagger declares it; Harbor's immutability model has no use for it and drops it, as Berth does.</summary>
    [JsonPropertyName("extras")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Extras { get; set; }

    /// <summary>Whether the selector is one that excludes (<c>excludes</c>, <c>repoExcludes</c>).</summary>
    [JsonIgnore]
    public bool Excludes => Decoration is "excludes" or "repoExcludes";
}
