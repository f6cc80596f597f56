namespace Berth.Data.Entities;

/// <summary>One of a project's metadata entries, as Harbor keeps them: a name and a string value (<c>retention_id</c> = <c>"7"</c>).</summary>
/// <remarks><c>public</c> is a column of <see cref="Project"/> instead, because every authorization decision reads it.</remarks>
public sealed class ProjectMetadata
{
    public long Id { get; set; }

    public long ProjectId { get; set; }

    public required string Name { get; set; }

    public string Value { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
