namespace Berth.Data.Entities;

/// <summary>What a manifest names: a blob (config, layer) or a child manifest (index entry).</summary>
public sealed class ArtifactReference
{
    public long Id { get; set; }

    public long ArtifactId { get; set; }

    public ArtifactReferenceKind Kind { get; set; }

    public required string Digest { get; set; }

    /// <summary>For <see cref="ArtifactReferenceKind.Blob"/>: the blob row, which GC may not remove while this exists.</summary>
    public long? BlobId { get; set; }

    public string? PlatformJson { get; set; }

    public Artifact? Artifact { get; set; }
}
