using Berth.Data.Entities;

namespace Berth.Auth;

/// <summary>A project, the caller's role in it, and what that lets the caller do there.</summary>
public sealed record ProjectAccess(Project Project, ProjectRole? Role, ProjectGrants Grants)
{
    /// <summary>Whether the caller may see the project at all (Harbor's project <c>read</c>).</summary>
    public bool Visible => Grants.Can(Rbac.Self, Rbac.Read);

    public bool Can(string resource, string action) => Grants.Can(resource, action);

    public long ProjectId => Project.Id;

    public string Name => Project.Name;

    public IReadOnlySet<Permission> Permissions => Grants.Permissions;
}
