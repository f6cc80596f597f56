namespace Berth.Data.Entities;

/// <summary>A token-signing key generated for this installation on its first start; every replica reads the same one.</summary>
public sealed class SigningKey
{
    /// <summary>The key id, written into each token's <c>kid</c>.</summary>
    public required string Id { get; set; }

    /// <summary>The private key as PKCS#8 DER.</summary>
    public required byte[] PrivateKey { get; set; }

    public DateTime CreatedAt { get; set; }
}
