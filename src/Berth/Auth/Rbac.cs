using Berth.Data.Entities;

namespace Berth.Auth;

/// <summary>Resources and actions the evaluator decides on, in Harbor's words.</summary>
public static class Rbac
{
    public const string Repository = "repository";
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Delete = "delete";

    /// <summary>A project's tag retention policy, its executions and their tasks.</summary>
    public const string TagRetention = "tag-retention";
    public const string Create = "create";
    public const string Read = "read";
    public const string Update = "update";
    public const string List = "list";
    public const string Operate = "operate";

    /// <summary>Harbor's project roles and the repository actions each may take.</summary>
    /// <remarks>Guests and limited guests pull; developers also push; maintainers and project admins also delete.</remarks>
    public static IReadOnlySet<string> RepositoryActions(ProjectRole role) => role switch
    {
        ProjectRole.ProjectAdmin or ProjectRole.Maintainer => AllRepositoryActions,
        ProjectRole.Developer => PullPush,
        ProjectRole.Guest or ProjectRole.LimitedGuest => PullOnly,
        _ => None,
    };

    /// <summary>Harbor's role table (<c>src/common/rbac/project/rbac_role.go</c>) for the project resources beside repositories.</summary>
    /// <remarks>
    /// Tag retention: project admins, maintainers and (since Harbor 2.6) developers may do everything; guests, limited
    /// guests and non-members of a public project nothing. System administrators may do everything on every resource.
    /// </remarks>
    public static IReadOnlySet<string> ProjectActions(ProjectRole? role, bool sysAdmin, string resource) => resource switch
    {
        TagRetention when sysAdmin || role is ProjectRole.ProjectAdmin or ProjectRole.Maintainer or ProjectRole.Developer => AllTagRetentionActions,
        _ => None,
    };

    public static IReadOnlySet<string> AllRepositoryActions { get; } = new HashSet<string>(StringComparer.Ordinal) { Pull, Push, Delete };

    public static IReadOnlySet<string> PullOnly { get; } = new HashSet<string>(StringComparer.Ordinal) { Pull };

    public static IReadOnlySet<string> None { get; } = new HashSet<string>(StringComparer.Ordinal);

    private static readonly HashSet<string> AllTagRetentionActions = new(StringComparer.Ordinal) { Create, Read, Update, Delete, List, Operate };

    private static readonly HashSet<string> PullPush = new(StringComparer.Ordinal) { Pull, Push };
}
