namespace Berth.Data.Entities;

/// <summary>A Harbor label: global (scope <c>g</c>, managed by administrators) or of one project (scope <c>p</c>), attached to artifacts.</summary>
public sealed class Label
{
    public const string GlobalScope = "g";
    public const string ProjectScope = "p";

    public long Id { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    /// <summary>As the portal sends it, for instance <c>#0065AB</c>.</summary>
    public string Color { get; set; } = "";

    /// <summary><see cref="GlobalScope"/> or <see cref="ProjectScope"/>.</summary>
    public required string Scope { get; set; }

    /// <summary>The project of a project label; null for a global one.</summary>
    public long? ProjectId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
