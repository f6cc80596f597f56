using System.Linq.Expressions;
using Berth.Data;
using Berth.Data.Entities;

namespace Berth.Artifacts;

/// <summary>Which artifacts Harbor's API shows where: the predicates every list and count here shares.</summary>
/// <remarks>
/// <para>
/// An artifact list shows, as Harbor's does, the artifacts that are tagged or that no index of the repository names (an
/// index's untagged children appear under it as <c>references</c>), and never accessories, which appear under their subject.
/// </para>
/// <para>
/// An accessory is a manifest with a <c>subject</c> (an OCI 1.1 referrer: cosign and notation signatures, SBOMs,
/// attestations), or a cosign signature pushed the pre-1.1 way, as a manifest tagged <c>sha256-&lt;subject hex&gt;.sig</c>.
/// Harbor also checks such a manifest's layer media type; this only reads the tag.
/// </para>
/// </remarks>
public static class ArtifactQueries
{
    public const string CosignTagPrefix = "sha256-";
    public const string CosignTagSuffix = ".sig";

    /// <summary><c>sha256-</c> + 64 hex + <c>.sig</c>.</summary>
    public const int CosignTagLength = 75;

    /// <summary>Named by no index of its own repository.</summary>
    public static Expression<Func<Artifact, bool>> NotChild(BerthDbContext db) => a =>
        !db.ArtifactReferences.Any(r => r.Kind == ArtifactReferenceKind.Manifest && r.Digest == a.Digest && r.Artifact!.RepositoryId == a.RepositoryId);

    public static Expression<Func<Artifact, bool>> NotAccessory { get; } = a =>
        a.SubjectDigest == null
        && !a.Tags.Any(t => t.Name.StartsWith(CosignTagPrefix) && t.Name.EndsWith(CosignTagSuffix) && t.Name.Length == CosignTagLength);

    /// <summary>What an artifact list shows and <c>artifact_count</c> counts.</summary>
    public static Expression<Func<Artifact, bool>> Listed(BerthDbContext db) => a =>
        (a.Tags.Any() || !db.ArtifactReferences.Any(r => r.Kind == ArtifactReferenceKind.Manifest && r.Digest == a.Digest && r.Artifact!.RepositoryId == a.RepositoryId))
        && a.SubjectDigest == null
        && !a.Tags.Any(t => t.Name.StartsWith(CosignTagPrefix) && t.Name.EndsWith(CosignTagSuffix) && t.Name.Length == CosignTagLength);

    /// <summary>The tag a pre-1.1 cosign signature of <paramref name="digest"/> carries, or null for a digest that is not sha256.</summary>
    public static string? CosignTag(string digest) =>
        digest.StartsWith("sha256:", StringComparison.Ordinal) ? CosignTagPrefix + digest["sha256:".Length..] + CosignTagSuffix : null;

    /// <summary>The subject digest a cosign signature tag names, or null when the tag is not one.</summary>
    public static string? CosignSubject(string tag) =>
        tag.Length == CosignTagLength && tag.StartsWith(CosignTagPrefix, StringComparison.Ordinal) && tag.EndsWith(CosignTagSuffix, StringComparison.Ordinal)
            ? "sha256:" + tag[CosignTagPrefix.Length..^CosignTagSuffix.Length]
            : null;
}
