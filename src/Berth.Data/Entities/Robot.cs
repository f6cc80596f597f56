namespace Berth.Data.Entities;

/// <summary>A Harbor v2 robot account: a non-human principal with explicit permissions and a generated secret.</summary>
/// <remarks>
/// <see cref="Name"/> is stored without the <c>robot$</c> prefix: <c>&lt;project&gt;+&lt;name&gt;</c> for a project robot,
/// <c>&lt;name&gt;</c> for a system robot. The secret is kept only as a salted, slow hash.
/// </remarks>
public sealed class Robot
{
    public long Id { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public required string SecretHash { get; set; }

    /// <summary><c>system</c> or <c>project</c>.</summary>
    public required string Level { get; set; }

    /// <summary>The project a project-level robot belongs to; deleting the project deletes the robot.</summary>
    public long? ProjectId { get; set; }

    /// <summary>Days the robot lives after its creation; -1 for ever.</summary>
    public long Duration { get; set; }

    /// <summary>Unix seconds after which the robot is refused; -1 for never.</summary>
    public long ExpiresAt { get; set; }

    public bool Disabled { get; set; }

    /// <summary><c>local</c> for a user, <c>robot</c> for another robot, as Harbor names them.</summary>
    public string CreatorType { get; set; } = "local";

    public long CreatorRef { get; set; }

    /// <summary>The permissions as JSON: <c>[{"kind","namespace","project_id","access":[{"resource","action","effect"}]}]</c>.</summary>
    public string Permissions { get; set; } = "[]";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
