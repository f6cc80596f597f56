namespace Berth.Data.Entities;

/// <summary>A signed-in portal session (cookie <c>sid</c>). Kept in the database so every replica knows it and logout ends it everywhere.</summary>
public sealed class Session
{
    /// <summary>The SHA-256 (hex) of the cookie's value: a stolen database does not hand out live sessions.</summary>
    public required string Id { get; set; }

    public long UserId { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Moves forward as the session is used (Harbor's <c>session_timeout</c>), unless a request asks it not to.</summary>
    public DateTime ExpiresAt { get; set; }
}
