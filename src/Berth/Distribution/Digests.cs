using Berth.Oci;

namespace Berth.Distribution;

/// <summary>Turns a digest from a URL or query into a <see cref="Digest"/>, or the spec's error.</summary>
internal static class Digests
{
    public static Digest Require(string? text)
    {
        if (Digest.TryParse(text, out var digest))
        {
            return digest;
        }

        var shown = text is { Length: <= 200 } ? text : null;
        if (text is not null && Digest.LooksLikeDigest(text) && !Digest.IsSupportedAlgorithm(text[..text.IndexOf(':', StringComparison.Ordinal)]))
        {
            throw DistributionException.Of(ErrorCode.DigestInvalid, "unsupported digest algorithm; use sha256 or sha512", shown);
        }

        throw DistributionException.Of(ErrorCode.DigestInvalid, "invalid digest: expected sha256:<64 hex> or sha512:<128 hex>", shown);
    }
}
