using System.Collections.Frozen;
using Berth.Data.Entities;

namespace Berth.Auth;

/// <summary>An action on a resource, in Harbor's words (<c>repository</c>/<c>pull</c>, <c>member</c>/<c>create</c>…).</summary>
public readonly record struct Access(string Resource, string Action)
{
    public override string ToString() => $"{Resource}:{Action}";
}

/// <summary>Resources, actions, and Harbor's table of which role may take which action in a project.</summary>
public static class Rbac
{
    // Actions.
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Create = "create";
    public const string Read = "read";
    public const string Update = "update";
    public const string Delete = "delete";
    public const string List = "list";
    public const string Operate = "operate";
    public const string Stop = "stop";

    // Project resources. Harbor calls the project itself the "self" resource; robots name it "project".
    public const string Project = "project";
    public const string Repository = "repository";
    public const string Member = "member";
    public const string Metadata = "metadata";
    public const string Log = "log";
    public const string Label = "label";
    public const string Quota = "quota";
    public const string TagRetention = "tag-retention";
    public const string ImmutableTag = "immutable-tag";
    public const string Configuration = "configuration";
    public const string Robot = "robot";
    public const string NotificationPolicy = "notification-policy";
    public const string Scan = "scan";
    public const string Scanner = "scanner";
    public const string Artifact = "artifact";
    public const string ArtifactAddition = "artifact-addition";
    public const string ArtifactLabel = "artifact-label";
    public const string Tag = "tag";
    public const string Accessory = "accessory";
    public const string PreheatPolicy = "preheat-policy";

    // System resources.
    public const string AuditLog = "audit-log";
    public const string Catalog = "catalog";
    public const string User = "user";
    public const string UserGroup = "user-group";
    public const string LdapUser = "ldap-user";
    public const string Registry = "registry";
    public const string Replication = "replication";
    public const string ReplicationPolicy = "replication-policy";
    public const string ReplicationAdapter = "replication-adapter";
    public const string GarbageCollection = "garbage-collection";
    public const string PurgeAudit = "purge-audit";
    public const string ScanAll = "scan-all";
    public const string SystemVolumes = "system-volumes";
    public const string JobServiceMonitor = "jobservice-monitor";
    public const string PreheatInstance = "preheat-instance";
    public const string SecurityHub = "security-hub";

    private static readonly string[] Crud = [Create, Read, Update, Delete, List];

    /// <summary>What a project administrator (and a system administrator) may do in a project.</summary>
    public static FrozenSet<Access> ProjectAdminPermissions { get; } = Set(
        (Project, [Read, Update, Delete]),
        (Member, Crud),
        (Metadata, [Create, Read, Update, Delete]),
        (Log, [List]),
        (Label, Crud),
        (Quota, [Read]),
        (Repository, [Create, Read, Update, Delete, List, Pull, Push]),
        (TagRetention, [.. Crud, Operate]),
        (ImmutableTag, [Create, Update, Delete, List]),
        (Configuration, [Read, Update]),
        (Robot, Crud),
        (NotificationPolicy, Crud),
        (Scan, [Create, Read, Stop]),
        (Scanner, [Read, Create]),
        (Artifact, [Create, Read, Delete, List]),
        (ArtifactAddition, [Read]),
        (Tag, [List, Create, Delete]),
        (Accessory, [List]),
        (ArtifactLabel, [Create, Delete]),
        (PreheatPolicy, Crud));

    private static readonly FrozenSet<Access> MaintainerPermissions = Set(
        (Project, [Read]),
        (Member, [Read, List]),
        (Metadata, [Create, Read, Update, Delete]),
        (Log, [List]),
        (Quota, [Read]),
        (Label, Crud),
        (Repository, [Create, Read, Update, Delete, List, Push, Pull]),
        (TagRetention, [.. Crud, Operate]),
        (Accessory, [List]),
        (ImmutableTag, [Create, Update, Delete, List]),
        (Configuration, [Read]),
        (Robot, [Read, List]),
        (NotificationPolicy, [List]),
        (Scan, [Create, Read, Stop]),
        (Scanner, [Read]),
        (Artifact, [Create, Read, Delete, List]),
        (ArtifactAddition, [Read]),
        (Tag, [List, Create, Delete]),
        (ArtifactLabel, [Create, Delete]));

    // Developers have managed tag retention since Harbor 2.6.
    private static readonly FrozenSet<Access> DeveloperPermissions = Set(
        (Project, [Read]),
        (Member, [Read, List]),
        (Log, [List]),
        (Label, [Read, List]),
        (Quota, [Read]),
        (Repository, [Create, Read, Update, List, Push, Pull]),
        (TagRetention, [.. Crud, Operate]),
        (Configuration, [Read]),
        (Robot, [Read, List]),
        (Scan, [Read]),
        (Scanner, [Read]),
        (Artifact, [Create, Read, List]),
        (ArtifactAddition, [Read]),
        (Tag, [List, Create]),
        (Accessory, [List]),
        (ArtifactLabel, [Create, Delete]));

    private static readonly FrozenSet<Access> GuestPermissions = Set(
        (Project, [Read]),
        (Member, [Read, List]),
        (Log, [List]),
        (Label, [Read, List]),
        (Quota, [Read]),
        (Repository, [Read, List, Pull]),
        (Configuration, [Read]),
        (Robot, [Read, List]),
        (Scan, [Read]),
        (Scanner, [Read]),
        (Tag, [List]),
        (Accessory, [List]),
        (Artifact, [Read, List]),
        (ArtifactAddition, [Read]));

    private static readonly FrozenSet<Access> LimitedGuestPermissions = Set(
        (Project, [Read]),
        (Quota, [Read]),
        (Repository, [List, Pull]),
        (Configuration, [Read]),
        (Scan, [Read]),
        (Scanner, [Read]),
        (Tag, [List]),
        (Accessory, [List]),
        (Artifact, [Read, List]),
        (ArtifactAddition, [Read]));

    /// <summary>What everyone, anonymous included, may do in a public project.</summary>
    public static FrozenSet<Access> PublicPermissions { get; } = Set(
        (Project, [Read]),
        (Repository, [List, Pull]),
        (Scan, [Read]),
        (Tag, [List]),
        (Accessory, [List]),
        (Artifact, [Read, List]),
        (ArtifactAddition, [Read]));

    /// <summary>What a robot may be given in a project: anything a project administrator may do.</summary>
    public static FrozenSet<Access> RobotProjectPermissions => ProjectAdminPermissions;

    /// <summary>What a system robot may be given system-wide (namespace <c>/</c>), as Harbor's robot permission list has it.</summary>
    public static FrozenSet<Access> RobotSystemPermissions { get; } = Set(
        (AuditLog, [List]),
        (PreheatInstance, Crud),
        (Project, [List, Create]),
        (ReplicationPolicy, Crud),
        (Replication, [Read, List, Create]),
        (ReplicationAdapter, [List]),
        (Registry, Crud),
        (ScanAll, [Create, Read, Update, Stop]),
        (SystemVolumes, [Read]),
        (GarbageCollection, [Create, Read, Update, List, Stop]),
        (PurgeAudit, [Create, Read, Update, List, Stop]),
        (JobServiceMonitor, [List, Stop]),
        (Scanner, Crud),
        (Label, Crud),
        (SecurityHub, [Read, List]),
        (Catalog, [Read]),
        (Quota, [Read, List, Update]),
        (Robot, Crud),
        (User, Crud),
        (LdapUser, [Create, List]),
        (UserGroup, Crud));

    public static FrozenSet<Access> ForRole(ProjectRole role) => role switch
    {
        ProjectRole.ProjectAdmin => ProjectAdminPermissions,
        ProjectRole.Maintainer => MaintainerPermissions,
        ProjectRole.Developer => DeveloperPermissions,
        ProjectRole.Guest => GuestPermissions,
        ProjectRole.LimitedGuest => LimitedGuestPermissions,
        _ => FrozenSet<Access>.Empty,
    };

    /// <summary>The registry's three repository actions, as the token service and <c>/v2/</c> know them.</summary>
    public static IReadOnlySet<string> RepositoryActions(IReadOnlySet<Access> permissions)
    {
        var actions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in RegistryActions)
        {
            if (permissions.Contains(new Access(Repository, action)))
            {
                actions.Add(action);
            }
        }

        return actions;
    }

    public static IReadOnlySet<string> None { get; } = FrozenSet<string>.Empty;

    private static readonly string[] RegistryActions = [Pull, Push, Delete];

    private static FrozenSet<Access> Set(params (string Resource, string[] Actions)[] entries) =>
        entries.SelectMany(e => e.Actions.Select(a => new Access(e.Resource, a))).ToFrozenSet();
}
