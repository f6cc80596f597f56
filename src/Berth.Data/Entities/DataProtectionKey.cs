namespace Berth.Data.Entities;

/// <summary>One key of ASP.NET Core's data-protection key ring, as the XML element the key manager wrote.</summary>
/// <remarks>Kept in the database so that every replica protects and unprotects with the same ring.</remarks>
public sealed class DataProtectionKey
{
    public long Id { get; set; }

    /// <summary>The name the key manager gave the element (<c>key-&lt;guid&gt;</c>).</summary>
    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}
