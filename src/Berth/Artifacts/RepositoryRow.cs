namespace Berth.Artifacts;

/// <summary>A repository as Harbor's API shows it; built with an initializer so that lists can still filter and sort on it.</summary>
public sealed class RepositoryRow
{
    public long Id { get; init; }

    public long ProjectId { get; init; }

    /// <summary>The full name, project included (<c>library/nginx</c>), as Harbor reports it.</summary>
    public string Name { get; init; } = "";

    public string Description { get; init; } = "";

    public long PullCount { get; init; }

    public long ArtifactCount { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>When its newest artifact was pushed: a push changes a repository, as Harbor's <c>update_time</c> shows.</summary>
    public DateTime? LastPushAt { get; init; }

    public DateTime UpdateTime => LastPushAt is { } pushed && pushed > UpdatedAt ? pushed : UpdatedAt;
}
