namespace Berth.Oci;

/// <summary>A content descriptor: what a manifest says about one blob or manifest it names.</summary>
public sealed record Descriptor(string MediaType, Digest Digest, long Size, string? ArtifactType = null)
{
    /// <summary>The descriptor's annotations, as raw JSON, or null when it has none.</summary>
    public string? AnnotationsJson { get; init; }

    /// <summary>For an index's entries: the platform object as raw JSON, or null.</summary>
    public string? PlatformJson { get; init; }
}
