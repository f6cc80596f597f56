namespace Berth.Data.Entities;

public sealed class Tag
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public long ArtifactId { get; set; }

    public required string Name { get; set; }

    public DateTime PushTime { get; set; }

    public DateTime? PullTime { get; set; }

    public Artifact? Artifact { get; set; }
}
