namespace Berth.Data.Entities;

/// <summary>A blob a project's quota counts: each distinct blob once per project, whichever of its repositories hold it.</summary>
public sealed class ProjectBlob
{
    public long ProjectId { get; set; }

    public long BlobId { get; set; }

    public DateTime CreatedAt { get; set; }

    public Blob? Blob { get; set; }
}
