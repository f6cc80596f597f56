namespace Berth.Auth;

public enum SubjectKind
{
    Anonymous,
    User,
}

/// <summary>Who is asking: the security context every RBAC question is put for.</summary>
public sealed record Subject(SubjectKind Kind, long Id, string Name, bool SysAdmin)
{
    public static Subject Anonymous { get; } = new(SubjectKind.Anonymous, 0, "", false);

    public bool IsAnonymous => Kind == SubjectKind.Anonymous;
}
