namespace Berth.Data.Entities;

/// <summary>A manifest (image manifest or index) of one repository, with what the APIs report about it.</summary>
public sealed class Artifact
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public required string Digest { get; set; }

    /// <summary>The blob holding the manifest's bytes.</summary>
    public long BlobId { get; set; }

    public required string MediaType { get; set; }

    public string? ArtifactType { get; set; }

    /// <summary>The config descriptor's media type; null for an index, which has no config.</summary>
    public string? ConfigMediaType { get; set; }

    /// <summary>Harbor's artifact type (<c>IMAGE</c>, <c>CHART</c>, <c>CNAB</c>, <c>UNKNOWN</c>…), decided when the manifest is pushed.</summary>
    public string Type { get; set; } = "UNKNOWN";

    /// <summary>The manifest's own length in bytes.</summary>
    public long ManifestSize { get; set; }

    /// <summary>The manifest plus everything it names, as Harbor counts an artifact's size.</summary>
    public long Size { get; set; }

    public string? SubjectDigest { get; set; }

    public string? AnnotationsJson { get; set; }

    public DateTime PushTime { get; set; }

    public DateTime? PullTime { get; set; }

    public Repository? Repository { get; set; }

    public Blob? Blob { get; set; }

    public List<Tag> Tags { get; set; } = [];

    public List<ArtifactReference> References { get; set; } = [];
}
