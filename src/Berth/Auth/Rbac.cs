namespace Berth.Auth;

/// <summary>Resources and actions the evaluator decides on, in Harbor's words.</summary>
/// <remarks>A project resource is written relative to its project: <see cref="Self"/> is the project itself.</remarks>
public static class Rbac
{
    public const string Self = "";
    public const string Member = "member";
    public const string Metadata = "metadata";
    public const string Log = "log";
    public const string Label = "label";
    public const string Quota = "quota";
    public const string Repository = "repository";
    public const string TagRetention = "tag-retention";
    public const string ImmutableTag = "immutable-tag";
    public const string Configuration = "configuration";
    public const string Robot = "robot";
    public const string NotificationPolicy = "notification-policy";
    public const string Scan = "scan";
    public const string Sbom = "sbom";
    public const string Scanner = "scanner";
    public const string Artifact = "artifact";
    public const string ArtifactAddition = "artifact-addition";
    public const string Tag = "tag";
    public const string Accessory = "accessory";
    public const string ArtifactLabel = "artifact-label";
    public const string PreheatPolicy = "preheat-policy";
    public const string ExportCve = "export-cve";

    public const string Catalog = "catalog";
    public const string AuditLog = "audit-log";
    public const string Project = "project";
    public const string User = "user";
    public const string UserGroup = "user-group";
    public const string Registry = "registry";
    public const string Replication = "replication";
    public const string Distribution = "distribution";
    public const string GarbageCollection = "garbage-collection";
    public const string ScanAll = "scan-all";
    public const string SystemVolumes = "system-volumes";
    public const string LdapUser = "ldap-user";
    public const string JobServiceMonitor = "jobservice-monitor";
    public const string SecurityHub = "security-hub";
    public const string ReplicationPolicy = "replication-policy";
    public const string ReplicationAdapter = "replication-adapter";
    public const string PurgeAudit = "purge-audit";
    public const string PreheatInstance = "preheat-instance";

    public const string Create = "create";
    public const string Read = "read";
    public const string Update = "update";
    public const string Delete = "delete";
    public const string List = "list";
    public const string Pull = "pull";
    public const string Push = "push";
    public const string Operate = "operate";
    public const string Stop = "stop";

    public static IReadOnlySet<string> None { get; } = new HashSet<string>(StringComparer.Ordinal);

    private static readonly string[] Crud = [Create, Read, Update, Delete, List];

    /// <summary>What a robot may be given in a project, as Harbor's robot permission list has it.</summary>
    /// <remarks>A robot's permission names the project itself with the resource <see cref="Project"/>, as Harbor's do (see <see cref="Robots.RobotPermissions.PermissionOf"/>).</remarks>
    public static IReadOnlySet<Permission> RobotProjectPermissions { get; } = Set(
        (Log, [List]),
        (Self, [Read, Update, Delete]),
        (Metadata, Crud),
        (Repository, [Read, List, Update, Delete, Pull, Push]),
        (Artifact, [Create, Read, Delete, List]),
        (Tag, [Create, Delete, List]),
        (Accessory, [List]),
        (ArtifactAddition, [Read]),
        (ArtifactLabel, [Create, Delete]),
        (Label, Crud),
        (ImmutableTag, [Create, Update, Delete, List]),
        (TagRetention, Crud),
        (NotificationPolicy, Crud),
        (PreheatPolicy, Crud),
        (Scan, [Create, Read, Stop]),
        (Sbom, [Create, Read, Stop]),
        (Scanner, [Create, Read]),
        (Quota, [Read]),
        (Robot, [Create, Read, List, Delete]),
        (ExportCve, [Create, Read]),
        (Member, Crud));

    /// <summary>What a system robot may be given system-wide (namespace <c>/</c>), as Harbor's robot permission list has it.</summary>
    public static IReadOnlySet<Permission> RobotSystemPermissions { get; } = Set(
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
        (Label, [Create, Read, Update, Delete]),
        (SecurityHub, [Read, List]),
        (Catalog, [Read]),
        (Quota, [Read, List, Update]),
        (Robot, [Create, Read, List, Delete]),
        (User, Crud),
        (LdapUser, [Create, List]),
        (UserGroup, Crud));

    private static HashSet<Permission> Set(params (string Resource, string[] Actions)[] entries) =>
        entries.SelectMany(e => e.Actions.Select(a => new Permission(e.Resource, a))).ToHashSet();
}
