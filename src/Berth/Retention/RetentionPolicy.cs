using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Retention;

/// <summary>A tag retention policy in Harbor's JSON shape (<c>/api/v2.0/retentions</c>).</summary>
public sealed class RetentionPolicy
{
    [JsonPropertyName("id")]
    public long Id { get; set; }

    /// <summary>Only <c>or</c> exists: an artifact survives when any rule retains it.</summary>
    [JsonPropertyName("algorithm")]
    public string Algorithm { get; set; } = "or";

    [JsonPropertyName("rules")]
    public List<RetentionRule> Rules { get; set; } = [];

    [JsonPropertyName("trigger")]
    public RetentionTrigger? Trigger { get; set; }

    [JsonPropertyName("scope")]
    public RetentionScope? Scope { get; set; }
}

public sealed class RetentionRule
{
    [JsonPropertyName("id")]
    public long Id { get; set; }

    [JsonPropertyName("priority")]
    public int Priority { get; set; }

    [JsonPropertyName("disabled")]
    public bool Disabled { get; set; }

    /// <summary>Only <c>retain</c> exists.</summary>
    [JsonPropertyName("action")]
    public string Action { get; set; } = "retain";

    /// <summary>One of <see cref="RetentionTemplates.All"/>.</summary>
    [JsonPropertyName("template")]
    public string Template { get; set; } = "";

    [JsonPropertyName("params")]
    public Dictionary<string, JsonElement> Params { get; set; } = [];

    [JsonPropertyName("tag_selectors")]
    public List<RetentionSelector> TagSelectors { get; set; } = [];

    /// <summary>Harbor keys the repository selectors by <c>repository</c>.</summary>
    [JsonPropertyName("scope_selectors")]
    public Dictionary<string, List<RetentionSelector>> ScopeSelectors { get; set; } = [];
}

public sealed class RetentionSelector
{
    /// <summary>Only <c>doublestar</c> exists.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "doublestar";

    /// <summary><c>matches</c> or <c>excludes</c> for tags; <c>repoMatches</c> or <c>repoExcludes</c> for repositories.</summary>
    [JsonPropertyName("decoration")]
    public string Decoration { get; set; } = "";

    [JsonPropertyName("pattern")]
    public string Pattern { get; set; } = "";

    /// <summary>A JSON object as a string, for tag selectors: <c>{"untagged":true}</c>.</summary>
    [JsonPropertyName("extras")]
    public string? Extras { get; set; }
}

public sealed class RetentionTrigger
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Schedule";

    [JsonPropertyName("settings")]
    public Dictionary<string, JsonElement> Settings { get; set; } = [];

    [JsonPropertyName("references")]
    public Dictionary<string, JsonElement> References { get; set; } = [];
}

public sealed class RetentionScope
{
    [JsonPropertyName("level")]
    public string Level { get; set; } = "project";

    [JsonPropertyName("ref")]
    public long Ref { get; set; }
}
