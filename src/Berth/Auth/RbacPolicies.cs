using static Berth.Auth.Rbac;
using ProjectRole = Berth.Data.Entities.ProjectRole;

namespace Berth.Auth;

/// <summary>Harbor's policy tables: what each project role, any caller of a public project, and a system administrator may do.</summary>
/// <remarks>
/// Harbor's own tables (its <c>rbac_role.go</c>, <c>rbac_util.go</c> and system <c>policies.go</c>), kept entry for entry so
/// that <c>/users/current/permissions</c> answers what Harbor's portal and clients expect. Project resources are relative to
/// their project; system resources to <c>/system</c>.
/// </remarks>
public static class RbacPolicies
{
    // The role tables come first: static initializers run in order, and the namespace union below reads them.
    private static IReadOnlyList<Permission> ProjectAdmin { get; } =
    [
        .. Of(Self, Read, Update, Delete), .. Of(Member, Create, Read, Update, Delete, List), .. Of(Metadata, Create, Read, Update, Delete),
        .. Of(Log, List), .. Of(Label, Create, Read, Update, Delete, List), .. Of(Quota, Read),
        .. Of(Repository, Create, Read, Update, Delete, List, Pull, Push), .. Of(TagRetention, Create, Read, Update, Delete, List, Operate),
        .. Of(ImmutableTag, Create, Update, Delete, List), .. Of(Configuration, Read, Update), .. Of(Robot, Create, Read, Update, Delete, List),
        .. Of(NotificationPolicy, Create, Update, Delete, List, Read), .. Of(Scan, Create, Read, Stop), .. Of(Sbom, Create, Stop, Read),
        .. Of(Scanner, Read, Create), .. Of(Artifact, Create, Read, Delete, List), .. Of(ArtifactAddition, Read), .. Of(Tag, List, Create, Delete),
        .. Of(Accessory, List), .. Of(ArtifactLabel, Create, Delete), .. Of(PreheatPolicy, Create, Read, Update, Delete, List),
        .. Of(ExportCve, Create, Read, List),
    ];

    private static IReadOnlyList<Permission> Maintainer { get; } =
    [
        .. Of(Self, Read), .. Of(Member, Read, List), .. Of(Metadata, Read), .. Of(Quota, Read), .. Of(Label, Create, Read, Update, Delete, List),
        .. Of(Repository, Create, Read, Update, Delete, List, Push, Pull), .. Of(TagRetention, Create, Read, Update, Delete, List, Operate),
        .. Of(Accessory, List), .. Of(ImmutableTag, Create, Update, Delete, List), .. Of(Configuration, Read), .. Of(Robot, Read, List),
        .. Of(NotificationPolicy, Read, List), .. Of(Scan, Create, Read, Stop), .. Of(Sbom, Create, Stop, Read), .. Of(Scanner, Read),
        .. Of(Artifact, Create, Read, Delete, List), .. Of(ArtifactAddition, Read), .. Of(Tag, List, Create, Delete),
        .. Of(ArtifactLabel, Create, Delete), .. Of(ExportCve, Create, Read, List),
    ];

    private static IReadOnlyList<Permission> Developer { get; } =
    [
        .. Of(Self, Read), .. Of(Member, Read, List), .. Of(Label, Read, List), .. Of(Quota, Read),
        .. Of(Repository, Create, Read, Update, List, Push, Pull), .. Of(TagRetention, Create, Read, Update, Delete, List, Operate),
        .. Of(Configuration, Read), .. Of(Robot, Read, List), .. Of(Scan, Read), .. Of(Sbom, Read), .. Of(Scanner, Read),
        .. Of(Artifact, Create, Read, List), .. Of(ArtifactAddition, Read), .. Of(Tag, List, Create), .. Of(Accessory, List),
        .. Of(ArtifactLabel, Create, Delete), .. Of(ExportCve, Create, Read, List),
    ];

    private static IReadOnlyList<Permission> Guest { get; } =
    [
        .. Of(Self, Read), .. Of(Member, Read, List), .. Of(Label, Read, List), .. Of(Quota, Read), .. Of(Repository, Read, List, Pull),
        .. Of(Configuration, Read), .. Of(Robot, Read, List), .. Of(Scan, Read), .. Of(Sbom, Read), .. Of(Scanner, Read), .. Of(Tag, List),
        .. Of(Accessory, List), .. Of(Artifact, Read, List), .. Of(ArtifactAddition, Read),
    ];

    private static IReadOnlyList<Permission> LimitedGuest { get; } =
    [
        .. Of(Self, Read), .. Of(Quota, Read), .. Of(Repository, List, Read, Pull), .. Of(Configuration, Read), .. Of(Scan, Read),
        .. Of(Sbom, Read), .. Of(Scanner, Read), .. Of(Tag, List), .. Of(Accessory, List), .. Of(Artifact, Read, List),
        .. Of(ArtifactAddition, Read),
    ];

    /// <summary>What a project role may do in its project.</summary>
    public static IReadOnlyList<Permission> ForRole(ProjectRole role) => role switch
    {
        ProjectRole.ProjectAdmin => ProjectAdmin,
        ProjectRole.Maintainer => Maintainer,
        ProjectRole.Developer => Developer,
        ProjectRole.Guest => Guest,
        ProjectRole.LimitedGuest => LimitedGuest,
        _ => [],
    };

    /// <summary>What anyone, anonymous included, may do in a public project.</summary>
    public static IReadOnlyList<Permission> PublicProject { get; } =
    [
        .. Of(Self, Read), .. Of(Label, Read, List), .. Of(Repository, List, Pull), .. Of(Scan, Read), .. Of(Scanner, Read),
        .. Of(Tag, List), .. Of(Artifact, Read, List), .. Of(ArtifactAddition, Read), .. Of(Accessory, List),
    ];

    /// <summary>Every permission that exists in a project, in a stable order: the union of the roles' tables.</summary>
    public static IReadOnlyList<Permission> ProjectNamespace { get; } =
        ProjectAdmin.Concat(Maintainer).Concat(Developer).Concat(Guest).Concat(LimitedGuest).Distinct().ToList();

    /// <summary>Every permission that exists at system level; only system administrators hold them.</summary>
    public static IReadOnlyList<Permission> SystemLevel { get; } =
    [
        .. Of(Catalog, Read), .. Of(AuditLog, List), .. Of(Project, Create, Read, Update, Delete, List),
        .. Of(User, Create, Read, Update, Delete, List), .. Of(UserGroup, Create, Read, Update, Delete, List),
        .. Of(Registry, Create, Read, Update, Delete, List), .. Of(Replication, Create, Read, Update, List, Delete),
        .. Of(Rbac.Distribution, Create, Read, Update, Delete, List), .. Of(GarbageCollection, Create, Read, Update, Delete, List),
        .. Of(ScanAll, Create, Read, Update, Delete, List, Stop), .. Of(SystemVolumes, Read), .. Of(LdapUser, Create, List),
        .. Of(Configuration, Read, Update), .. Of(JobServiceMonitor, Read, List, Stop), .. Of(SecurityHub, Read, List),
    ];

    private static IEnumerable<Permission> Of(string resource, params string[] actions) => actions.Select(a => new Permission(resource, a));
}
