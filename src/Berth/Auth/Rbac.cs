using Berth.Data.Entities;

namespace Berth.Auth;

/// <summary>Resources and actions the evaluator decides on, in Harbor's words.</summary>
public static class Rbac
{
    public const string Repository = "repository";
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    /// <summary>Harbor's project roles and the repository actions each may take.</summary>
    /// <remarks>Guests and limited guests pull; developers also push; maintainers and project admins also delete.</remarks>
    public static IReadOnlySet<string> RepositoryActions(ProjectRole role) => role switch
    {
        ProjectRole.ProjectAdmin or ProjectRole.Maintainer => AllRepositoryActions,
        ProjectRole.Developer => PullPush,
        ProjectRole.Guest or ProjectRole.LimitedGuest => PullOnly,
        _ => None,
    };

    public static IReadOnlySet<string> AllRepositoryActions { get; } = new HashSet<string>(StringComparer.Ordinal) { Pull, Push, Delete };

    public static IReadOnlySet<string> PullOnly { get; } = new HashSet<string>(StringComparer.Ordinal) { Pull };

    public static IReadOnlySet<string> None { get; } = new HashSet<string>(StringComparer.Ordinal);

    private static readonly HashSet<string> PullPush = new(StringComparer.Ordinal) { Pull, Push };
}
