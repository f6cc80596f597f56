namespace Berth.Data.Entities;

/// <summary>A label attached to an artifact; it goes when either goes.</summary>
public sealed class LabelReference
{
    public long LabelId { get; set; }

    public long ArtifactId { get; set; }

    public DateTime CreatedAt { get; set; }
}
