using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Auth;

namespace Berth.Robots;

/// <summary>Harbor's <c>RobotPermission</c>: a kind (<c>system</c> or <c>project</c>), a namespace and a list of accesses.</summary>
/// <remarks>Also the stored form, with the project's id resolved at save time so a re-created project of the same name is not covered.</remarks>
public sealed class RobotPermissionBody
{
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("access")]
    public List<RobotAccessBody>? Access { get; set; }

    /// <summary>Stored only, never read from a request: the project <see cref="Namespace"/> named when the robot was saved.</summary>
    [JsonPropertyName("project_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ProjectId { get; set; }
}

public sealed class RobotAccessBody
{
    [JsonPropertyName("resource")]
    public string? Resource { get; set; }

    [JsonPropertyName("action")]
    public string? Action { get; set; }

    [JsonPropertyName("effect")]
    public string? Effect { get; set; }
}

/// <summary>Reads stored robot permissions into the grants the RBAC evaluator uses.</summary>
public static class RobotPermissions
{
    public const string SystemKind = "system";
    public const string ProjectKind = "project";
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static List<RobotPermissionBody> Parse(string json) => JsonSerializer.Deserialize<List<RobotPermissionBody>>(json) ?? [];

    public static string Serialize(IEnumerable<RobotPermissionBody> permissions) => JsonSerializer.Serialize(permissions);

    /// <summary>The grants of stored permissions: system ones for <c>system</c>, project ones for a resolved project or <c>*</c>.</summary>
    /// <remarks>A project permission whose project is gone (no id, namespace not <c>*</c>) grants nothing.</remarks>
    public static IReadOnlyList<RobotGrant> Grants(IEnumerable<RobotPermissionBody> permissions)
    {
        var grants = new List<RobotGrant>();
        foreach (var permission in permissions)
        {
            var system = permission.Kind == SystemKind;
            if (!system && permission.ProjectId is null && permission.Namespace != "*")
            {
                continue;
            }

            foreach (var access in permission.Access ?? [])
            {
                grants.Add(new RobotGrant(system, system ? null : permission.ProjectId, PermissionOf(permission.Kind, access), access.Effect == Deny));
            }
        }

        return grants;
    }

    /// <summary>The permission an access of a permission of <paramref name="kind"/> grants.</summary>
    /// <remarks>
    /// In a <c>project</c> permission the resource <c>project</c> is the project itself (<see cref="Rbac.Self"/>), as Harbor
    /// reads it: <c>project:read</c> lets a robot read its project. An empty resource names nothing.
    /// </remarks>
    public static Permission PermissionOf(string? kind, RobotAccessBody access) => new(
        kind == ProjectKind && access.Resource == Rbac.Project ? Rbac.Self : access.Resource is { Length: > 0 } resource ? resource : NoResource,
        access.Action ?? "");

    /// <summary>What an empty resource becomes: no permission names it (an empty one would read as the project itself).</summary>
    private const string NoResource = "-";
}
