namespace Berth.Data.Entities;

/// <summary>A repository: a name that artifacts, tags and linked blobs hang from.</summary>
public sealed class Repository
{
    public long Id { get; set; }

    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
