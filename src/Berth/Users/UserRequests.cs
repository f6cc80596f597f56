using System.Text.Json.Serialization;

namespace Berth.Users;

/// <summary>Harbor's <c>UserCreationReq</c>: what an administrator sets on a new account. No privilege field exists to be bound.</summary>
public sealed class UserCreationRequest
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("email")]
    public string? Email { get; set; }

    [JsonPropertyName("realname")]
    public string? Realname { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    [JsonPropertyName("comment")]
    public string? Comment { get; set; }
}

/// <summary>Harbor's <c>PasswordReq</c>.</summary>
public sealed class PasswordRequest
{
    [JsonPropertyName("old_password")]
    public string? OldPassword { get; set; }

    [JsonPropertyName("new_password")]
    public string? NewPassword { get; set; }
}

/// <summary>Harbor's <c>UserSysAdminFlag</c>.</summary>
public sealed class SysAdminRequest
{
    [JsonPropertyName("sysadmin_flag")]
    public bool SysAdminFlag { get; set; }
}

/// <summary>Harbor's <c>UserProfile</c>: all <c>PUT /users/{id}</c> may change. Username, password and the administrator flag are not here to be bound.</summary>
public sealed class UserProfileRequest
{
    [JsonPropertyName("email")]
    public string? Email { get; set; }

    [JsonPropertyName("realname")]
    public string? Realname { get; set; }

    [JsonPropertyName("comment")]
    public string? Comment { get; set; }
}
