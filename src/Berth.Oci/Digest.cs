using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Berth.Oci;

/// <summary>A validated content digest, <c>algorithm:hex</c>, as the OCI image spec defines it.</summary>
/// <remarks>
/// Only the registered algorithms sha256 and sha512 are accepted, with lower-case hex of exactly their length,
/// so a <see cref="Digest"/> is always safe to build a storage path from. Anything else fails <see cref="TryParse"/>:
/// an unknown algorithm, upper case, the wrong length, separators or path characters.
/// </remarks>
public sealed class Digest : IEquatable<Digest>
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
        Value = algorithm + ":" + hex;
    }

    public string Algorithm { get; }

    public string Hex { get; }

    /// <summary>The canonical text form, <c>sha256:…</c>.</summary>
    public string Value { get; }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Digest? digest)
    {
        digest = null;
        if (text is null)
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var algorithm = text[..colon];
        var expectedLength = HexLength(algorithm);
        var hex = text[(colon + 1)..];
        if (expectedLength == 0 || hex.Length != expectedLength || !IsLowerHex(hex))
        {
            return false;
        }

        digest = new Digest(algorithm, hex);
        return true;
    }

    /// <summary>Whether <paramref name="text"/> has the digest grammar <c>algorithm:encoded</c> at all, registered or not.</summary>
    /// <remarks>Separates "this is not a digest" (a tag, say) from "this digest's algorithm is not supported".</remarks>
    public static bool LooksLikeDigest(string text) => text.Contains(':', StringComparison.Ordinal);

    public static Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new FormatException($"'{text}' is not a sha256 or sha512 digest.");

    public static bool IsSupportedAlgorithm(string algorithm) => HexLength(algorithm) != 0;

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) => new(algorithm, Convert.ToHexStringLower(hash));

    /// <summary>The digest of <paramref name="content"/> under <paramref name="algorithm"/>.</summary>
    public static Digest Compute(string algorithm, ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[64];
        var written = algorithm switch
        {
            Sha256 => SHA256.HashData(content, hash),
            Sha512 => SHA512.HashData(content, hash),
            _ => throw new ArgumentException($"Unsupported digest algorithm '{algorithm}'.", nameof(algorithm)),
        };
        return FromHash(algorithm, hash[..written]);
    }

    public static IncrementalHash CreateHash(string algorithm) => algorithm switch
    {
        Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new ArgumentException($"Unsupported digest algorithm '{algorithm}'.", nameof(algorithm)),
    };

    public bool Equals(Digest? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Digest);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;

    private static int HexLength(string algorithm) => algorithm switch
    {
        Sha256 => 64,
        Sha512 => 128,
        _ => 0,
    };

    private static bool IsLowerHex(string hex)
    {
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
