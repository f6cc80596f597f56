using System.ComponentModel.DataAnnotations;

namespace Berth.Auth;

/// <summary>Authentication settings. Section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>How long a registry token is valid (Harbor's <c>token_expiration</c>, 30 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The token's <c>iss</c>, Harbor's.</summary>
    [Required]
    public string Issuer { get; set; } = "harbor-token-issuer";

    /// <summary>The token service's <c>service</c> and the token's <c>aud</c>, Harbor's.</summary>
    [Required]
    public string Service { get; set; } = "harbor-registry";

    /// <summary>Failed logins in a row after which an account is locked.</summary>
    [Range(1, 1000)]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>How long a locked account refuses every login.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a portal session lives without use (Harbor's <c>session_timeout</c>, 60 minutes).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>The wait added to each failed login, doubling with each failure in a row up to 2 seconds.</summary>
    public TimeSpan FailureDelay { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>The first administrator. Section <c>Admin</c>; <c>BERTH__Admin__Password</c> sets its password on first start.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Used only when the <c>admin</c> account is created; otherwise a password is generated and logged once.</summary>
    public string? Password { get; set; }
}
