using System.Security.Cryptography;
using System.Text;

namespace Berth.Auth;

/// <summary>Encrypts the credentials Berth stores for others (webhook <c>auth_header</c>s, registry secrets) with AES-GCM.</summary>
/// <remarks>
/// The key is the installation's <c>credentials</c> key (<see cref="InstallationKeyStore"/>), the same on every replica.
/// A protected value reads <c>enc:v1:</c> followed by base64 of nonce, ciphertext and tag; a value without that prefix
/// was stored before encryption and is returned as it is, so rows written by earlier versions keep working.
/// </remarks>
public sealed class CredentialProtector(InstallationKeyStore keys)
{
    private const string Purpose = "credentials";
    private const string Prefix = "enc:v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>The value to store for <paramref name="plaintext"/>; an empty value stays empty (nothing to hide).</summary>
    public async Task<string> ProtectAsync(string plaintext, CancellationToken cancellationToken)
    {
        if (plaintext.Length == 0)
        {
            return plaintext;
        }

        var key = await keys.GetAsync(Purpose, cancellationToken);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + clear.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceBytes, clear.Length), sealedBytes.AsSpan(NonceBytes + clear.Length));
        }

        CryptographicOperations.ZeroMemory(clear);
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plaintext of a stored value.</summary>
    /// <exception cref="CryptographicException">The value was altered, or sealed by another installation's key.</exception>
    public async Task<string> UnprotectAsync(string stored, CancellationToken cancellationToken)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("a stored credential is not valid base64", e);
        }

        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("a stored credential is too short to have been sealed");
        }

        var key = await keys.GetAsync(Purpose, cancellationToken);
        var clearLength = sealedBytes.Length - NonceBytes - TagBytes;
        var clear = new byte[clearLength];
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, clearLength),
                sealedBytes.AsSpan(NonceBytes + clearLength), clear);
        }

        return Encoding.UTF8.GetString(clear);
    }
}
