using Berth.Data.Entities;

namespace Berth.Auth;

/// <summary>Everything a subject may do in one project, worked out once per kind of caller from <see cref="RbacPolicies"/>.</summary>
public sealed class ProjectGrants
{
    private static readonly ProjectRole?[] Roles = [null, .. Enum.GetValues<ProjectRole>()];
    private static readonly Dictionary<(ProjectRole? Role, bool Public), ProjectGrants> Table = Build();

    private ProjectGrants(IEnumerable<Permission> permissions)
    {
        Permissions = permissions.ToHashSet();
        RepositoryActions = Permissions.Where(p => p.Resource == Rbac.Repository && p.Action is Rbac.Pull or Rbac.Push or Rbac.Delete)
            .Select(p => p.Action).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A system administrator: every permission a project has.</summary>
    public static ProjectGrants Administrator { get; } = new(RbacPolicies.ProjectNamespace);

    public static ProjectGrants Nothing { get; } = new([]);

    /// <summary>Exactly <paramref name="permissions"/>: a robot's, worked out from its grants.</summary>
    public static ProjectGrants Of(IEnumerable<Permission> permissions) => new(permissions);

    public IReadOnlySet<Permission> Permissions { get; }

    /// <summary>The registry actions (<c>pull</c>, <c>push</c>, <c>delete</c>) among <see cref="Permissions"/>, as tokens carry them.</summary>
    public IReadOnlySet<string> RepositoryActions { get; }

    /// <summary>Harbor's rule: a role's policies, plus the public-project policies when the project is public.</summary>
    public static ProjectGrants For(bool sysAdmin, ProjectRole? role, bool isPublic) =>
        sysAdmin ? Administrator : Table[(role is { } r && Enum.IsDefined(r) ? r : null, isPublic)];

    public bool Can(string resource, string action) => Permissions.Contains(new Permission(resource, action));

    private static Dictionary<(ProjectRole? Role, bool Public), ProjectGrants> Build()
    {
        var table = new Dictionary<(ProjectRole?, bool), ProjectGrants>();
        foreach (var role in Roles)
        {
            foreach (var isPublic in new[] { false, true })
            {
                var permissions = role is { } r ? RbacPolicies.ForRole(r) : [];
                table[(role, isPublic)] = new ProjectGrants(isPublic ? permissions.Concat(RbacPolicies.PublicProject) : permissions);
            }
        }

        return table;
    }
}
