namespace Berth.Data.Entities;

/// <summary>A stored policy of some feature (retention, tag immutability rules; replication and webhooks later).</summary>
/// <remarks>The policy itself is the feature's JSON in <see cref="Data"/>; only what queries need is a column.</remarks>
public sealed class Policy
{
    public long Id { get; set; }

    /// <summary>Which feature it belongs to: <c>retention</c>, <c>immutability</c> (one row per rule), …</summary>
    public required string Kind { get; set; }

    /// <summary>The project it applies to, for project-level policies; it goes when the project goes.</summary>
    public long? ProjectId { get; set; }

    /// <summary>The policy as its feature's JSON.</summary>
    public string Data { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
