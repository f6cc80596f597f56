namespace Berth.Data.Entities;

/// <summary>One system setting changed through <c>/api/v2.0/configurations</c>: its key and its JSON value.</summary>
/// <remarks>A key that has no row has its default, which comes from Berth's own configuration.</remarks>
public sealed class ConfigurationEntry
{
    public required string Key { get; set; }

    public required string Value { get; set; }

    public DateTime UpdatedAt { get; set; }
}
