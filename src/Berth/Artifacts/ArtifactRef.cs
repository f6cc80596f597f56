using Berth.Api;
using Berth.Oci;

namespace Berth.Artifacts;

/// <summary>The <c>{reference}</c> of an artifact path: a digest or a tag, checked before anything is looked up.</summary>
public sealed record ArtifactRef(string? Tag, string? Digest)
{
    public static ArtifactRef Parse(string text)
    {
        if (Oci.Digest.LooksLikeDigest(text))
        {
            return Oci.Digest.TryParse(text, out var digest)
                ? new ArtifactRef(null, digest.Value)
                : throw ApiException.BadRequest($"invalid digest {Shorten(text)}: it must be sha256:<64 hex> or sha512:<128 hex>");
        }

        return TagName.IsValid(text)
            ? new ArtifactRef(text, null)
            : throw ApiException.BadRequest($"invalid reference {Shorten(text)}: neither a digest nor a tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{{0,127}})");
    }

    public override string ToString() => Tag ?? Digest!;

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
