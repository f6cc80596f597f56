using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Projects.Immutability;

/// <summary>A tag immutability rule in Harbor's JSON shape (<c>ImmutableRule</c> of <c>/projects/{project}/immutabletagrules</c>).</summary>
/// <remarks>
/// Everything but <see cref="Id"/> and <see cref="ProjectId"/> is what the API accepts; <see cref="ImmutableRuleValidator"/>
/// decides what is valid and fills in what may be left out. Stored as JSON in the <c>policies</c> table, one row per rule.
/// </remarks>
public sealed class ImmutableRule
{
    public const string ImmutableAction = "immutable";
    public const string ImmutableTemplate = "immutable_template";

    [JsonPropertyName("id")]
    public long Id { get; set; }

    /// <summary>The rule's project. Not part of the JSON: Harbor's swagger and its answers have no <c>project_id</c>.</summary>
    [JsonIgnore]
    public long ProjectId { get; set; }

    [JsonPropertyName("disabled")]
    public bool Disabled { get; set; }

    [JsonPropertyName("priority")]
    public int Priority { get; set; }

    /// <summary>Only <see cref="ImmutableAction"/> exists.</summary>
    [JsonPropertyName("action")]
    public string? Action { get; set; }

    /// <summary>Only <see cref="ImmutableTemplate"/> exists.</summary>
    [JsonPropertyName("template")]
    public string? Template { get; set; }

    /// <summary>Kept as given; no immutability template reads a parameter.</summary>
    [JsonPropertyName("params")]
    public Dictionary<string, JsonElement>? Params { get; set; }

    [JsonPropertyName("tag_selectors")]
    public List<ImmutableSelector?>? TagSelectors { get; set; }

    /// <summary>Harbor keys the repository selectors by <c>repository</c>, the only key there is.</summary>
    [JsonPropertyName("scope_selectors")]
    public Dictionary<string, List<ImmutableSelector?>?>? ScopeSelectors { get; set; }

    /// <summary>The rule's one tag selector (a validated rule has exactly one).</summary>
    [JsonIgnore]
    public ImmutableSelector TagSelector => TagSelectors![0]!;

    /// <summary>The rule's one repository selector (a validated rule has exactly one).</summary>
    [JsonIgnore]
    public ImmutableSelector RepositorySelector => ScopeSelectors![ImmutableRuleValidator.RepositoryScope]![0]!;
}
