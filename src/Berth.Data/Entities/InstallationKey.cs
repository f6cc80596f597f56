namespace Berth.Data.Entities;

/// <summary>A symmetric key generated for this installation, one per purpose (such as encrypting stored credentials).</summary>
/// <remarks>The first replica to need a purpose's key inserts it; a racing replica's insert is ignored and both read the winner's.</remarks>
public sealed class InstallationKey
{
    /// <summary>What the key is for, such as <c>credentials</c>.</summary>
    public required string Purpose { get; set; }

    /// <summary>The key's random bytes.</summary>
    public required byte[] Material { get; set; }

    public DateTime CreatedAt { get; set; }
}
