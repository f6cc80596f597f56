namespace Berth.Data.Entities;

/// <summary>A user's role in a project.</summary>
public sealed class ProjectMember
{
    public long Id { get; set; }

    public long ProjectId { get; set; }

    public long UserId { get; set; }

    public ProjectRole Role { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
