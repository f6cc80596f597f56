namespace Berth.Data.Entities;

/// <summary>A local account. The password is kept only as a salted, slow hash.</summary>
public sealed class User
{
    public long Id { get; set; }

    public required string Username { get; set; }

    public string Email { get; set; } = "";

    public string Realname { get; set; } = "";

    public string Comment { get; set; } = "";

    public required string PasswordHash { get; set; }

    public bool SysAdmin { get; set; }

    /// <summary>Failed logins in a row; reset by a successful one.</summary>
    public int FailedLogins { get; set; }

    /// <summary>While set and in the future, the account refuses every login.</summary>
    public DateTime? LockedUntil { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
