namespace Berth.Auth;

public enum SubjectKind
{
    Anonymous,
    User,
    Robot,
}

/// <summary>Who is asking: the security context every RBAC question is put for.</summary>
/// <remarks>
/// <see cref="Id"/> is the user's id, and -1 for anyone who is not a user, so that no robot is ever taken for a user.
/// <see cref="Name"/> is the user name, or a robot's full name (<c>robot$…</c>).
/// </remarks>
public sealed record Subject(SubjectKind Kind, long Id, string Name, bool SysAdmin)
{
    public static Subject Anonymous { get; } = new(SubjectKind.Anonymous, -1, "", false);

    /// <summary>Set for a robot account: its id, project and permissions.</summary>
    public RobotIdentity? Robot { get; init; }

    public bool IsAnonymous => Kind == SubjectKind.Anonymous;

    public bool IsUser => Kind == SubjectKind.User;

    public static Subject ForRobot(RobotIdentity robot, string fullName) => new(SubjectKind.Robot, -1, fullName, false) { Robot = robot };
}

/// <summary>A robot account as a principal: what it may do and until when.</summary>
/// <remarks><see cref="ExpiresAt"/>: when it stops being accepted; null for never.</remarks>
public sealed record RobotIdentity(long Id, long? ProjectId, IReadOnlyList<RobotGrant> Grants, DateTime? ExpiresAt);

/// <summary>One of a robot's permissions: an action on a resource, system-wide or in a project.</summary>
/// <remarks>
/// For a project grant <see cref="ProjectId"/> is its project, and null means every project (namespace <c>*</c>).
/// <see cref="Deny"/> is Harbor's <c>effect: deny</c>: it takes the permission away even if another grant gives it.
/// </remarks>
public sealed record RobotGrant(bool System, long? ProjectId, Permission Permission, bool Deny);
