namespace Berth.Oci;

/// <summary>A parsed, shape-checked image manifest or index.</summary>
/// <remarks>
/// <see cref="Blobs"/> lists what must be a blob in the repository (config and layers of an image manifest);
/// <see cref="Children"/> lists what must be a manifest in the repository (the entries of an index).
/// </remarks>
public sealed class Manifest
{
    public required string MediaType { get; init; }

    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    public Descriptor? Config { get; init; }

    public IReadOnlyList<Descriptor> Layers { get; init; } = [];

    public IReadOnlyList<Descriptor> Children { get; init; } = [];

    public Descriptor? Subject { get; init; }

    /// <summary>The artifact type the referrers API reports: <c>artifactType</c>, else the config's media type.</summary>
    public string? ArtifactType { get; init; }

    /// <summary>The manifest's own annotations as raw JSON, or null.</summary>
    public string? AnnotationsJson { get; init; }

    /// <summary>Config and layers: everything that must already be a blob of the repository.</summary>
    public IEnumerable<Descriptor> Blobs => Config is null ? Layers : Layers.Prepend(Config);
}
