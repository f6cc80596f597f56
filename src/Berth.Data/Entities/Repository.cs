namespace Berth.Data.Entities;

/// <summary>A repository: a name that artifacts, tags and linked blobs hang from.</summary>
public sealed class Repository
{
    /// <summary>What ends the project's part of a repository name, as a string for queries: Npgsql's EF provider cannot write a <c>char</c> constant into SQL.</summary>
    public static readonly string ProjectSeparator = "/";

    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary>What Harbor's API lets users write about the repository, stored HTML-escaped as Harbor stores it.</summary>
    public string Description { get; set; } = "";

    /// <summary>Manifest pulls (GET, not HEAD) through the repository, counted as Harbor counts them.</summary>
    public long PullCount { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
