using System.Text.Json.Serialization;

namespace Berth.Robots;

/// <summary>Harbor's <c>RobotCreate</c>. <c>secret</c> is accepted and ignored: a new robot's secret is always generated.</summary>
public sealed class RobotCreateRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("secret")]
    public string? Secret { get; set; }

    [JsonPropertyName("level")]
    public string? Level { get; set; }

    [JsonPropertyName("disable")]
    public bool Disable { get; set; }

    [JsonPropertyName("duration")]
    public long? Duration { get; set; }

    [JsonPropertyName("permissions")]
    public List<RobotPermissionBody>? Permissions { get; set; }
}

/// <summary>Harbor's <c>Robot</c> as a <c>PUT</c> body: only description, duration, disable and permissions change.</summary>
/// <remarks>The read-only fields (<c>id</c>, <c>secret</c>, <c>editable</c>, times, creator) are not bound, so they cannot be set.</remarks>
public sealed class RobotUpdateRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("level")]
    public string? Level { get; set; }

    [JsonPropertyName("disable")]
    public bool Disable { get; set; }

    [JsonPropertyName("duration")]
    public long? Duration { get; set; }

    [JsonPropertyName("permissions")]
    public List<RobotPermissionBody>? Permissions { get; set; }
}

/// <summary>Harbor's <c>RobotSec</c>: an empty secret asks for a generated one.</summary>
public sealed class RobotSecretRequest
{
    [JsonPropertyName("secret")]
    public string? Secret { get; set; }
}
