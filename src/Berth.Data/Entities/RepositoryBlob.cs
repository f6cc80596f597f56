namespace Berth.Data.Entities;

/// <summary>A blob that a repository may serve: pushed into it, mounted into it, or named by its manifests.</summary>
public sealed class RepositoryBlob
{
    public long RepositoryId { get; set; }

    public long BlobId { get; set; }

    public DateTime CreatedAt { get; set; }

    public Repository? Repository { get; set; }

    public Blob? Blob { get; set; }
}
