using Berth.Oci;

namespace Berth.Distribution.Manifests;

/// <summary>The <c>&lt;reference&gt;</c> of a manifest URL: a tag or a digest, validated.</summary>
public sealed record ManifestReference(string? Tag, Digest? Digest)
{
    public static ManifestReference Parse(string text)
    {
        if (Digest.LooksLikeDigest(text))
        {
            return new ManifestReference(null, Digests.Require(text));
        }

        return TagName.IsValid(text)
            ? new ManifestReference(text, null)
            : throw DistributionException.Of(ErrorCode.ManifestInvalid,
                "invalid tag: it must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}", text.Length <= 200 ? text : null);
    }

    public override string ToString() => Tag ?? Digest!.Value;
}
