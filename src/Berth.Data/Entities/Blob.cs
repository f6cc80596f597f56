namespace Berth.Data.Entities;

/// <summary>Bytes the blob store holds once for the whole registry, by digest.</summary>
public sealed class Blob
{
    public long Id { get; set; }

    public required string Digest { get; set; }

    public long Size { get; set; }

    public BlobState State { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Last time a push linked or uploaded it; GC's grace window counts from here.</summary>
    public DateTime UpdatedAt { get; set; }
}
