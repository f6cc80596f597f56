namespace Berth.Data.Entities;

/// <summary>A Harbor project: the first component of a repository name, and the unit of access control.</summary>
public sealed class Project
{
    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Anyone, even anonymous, may pull from a public project.</summary>
    public bool Public { get; set; }

    public long? OwnerId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
