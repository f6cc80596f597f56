using Berth.Artifacts;
using Berth.Data;
using Berth.Distribution.Manifests;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects.Immutability;

/// <summary>
/// Enforces tag immutability: each guarded operation makes one call at its start, which throws
/// <see cref="ImmutableTagException"/> when an enabled rule of the repository's project protects what it would change.
/// </summary>
/// <remarks>
/// Cheap on the push path: the rules come from <see cref="ImmutableRuleCache"/>; when no enabled rule selects the
/// repository nothing else happens, and when the rules do not select the tag either, the database is not asked whether
/// the tag exists. Repository names are <c>project/rest</c>; rules match <c>rest</c>, as Harbor's do.
/// </remarks>
public sealed class ImmutableTags(BerthDbContext db, ImmutableRuleStore rules)
{
    /// <summary>Which tags of <paramref name="repository"/> (a full name) are immutable.</summary>
    public async Task<ImmutableTagMatcher> MatcherAsync(string repository, CancellationToken cancellationToken)
    {
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return ImmutableTagMatcher.None;
        }

        var enabled = await rules.EnabledAsync(repository[..slash], cancellationToken);
        return enabled.Count == 0 ? ImmutableTagMatcher.None : ImmutableTagMatcher.For(enabled, repository[(slash + 1)..]);
    }

    /// <summary>
    /// Refuses to overwrite, move or delete tag <paramref name="tag"/> of <paramref name="repository"/> when it exists and is
    /// immutable. A tag that does not exist yet may be created, once. Nothing to check when <paramref name="tag"/> is null.
    /// </summary>
    public async Task EnsureMutableAsync(string repository, string? tag, CancellationToken cancellationToken)
    {
        // A name that is no tag name (a NUL, 200 characters) names no tag: nothing to protect, and nothing to ask the database.
        if (tag is null || !TagName.IsValid(tag) || !(await MatcherAsync(repository, cancellationToken)).IsImmutable(tag))
        {
            return;
        }

        if (await db.Tags.AnyAsync(t => t.Name == tag && db.Repositories.Any(r => r.Id == t.RepositoryId && r.Name == repository), cancellationToken))
        {
            throw new ImmutableTagException($"the tag {repository}:{tag} is configured as immutable: it cannot be overwritten, moved or deleted");
        }
    }

    /// <summary>Refuses the registry API's delete of a tag that is immutable, or of a manifest that carries one.</summary>
    public Task EnsureDeletableAsync(string repository, ManifestReference reference, CancellationToken cancellationToken) =>
        reference.Tag is { } tag
            ? EnsureMutableAsync(repository, tag, cancellationToken)
            : EnsureArtifactDeletableAsync(repository, reference.Digest!.Value, withAccessories: false, cancellationToken);

    /// <summary>
    /// Refuses to delete the artifact <paramref name="digest"/> of <paramref name="repository"/> when it carries an immutable
    /// tag, or (<paramref name="withAccessories"/>, as Harbor's artifact delete takes them along) when one of its
    /// accessories does. Its other tags do not protect it.
    /// </summary>
    public async Task EnsureArtifactDeletableAsync(string repository, string digest, bool withAccessories, CancellationToken cancellationToken)
    {
        var matcher = await MatcherAsync(repository, cancellationToken);
        if (matcher.IsEmpty)
        {
            return;
        }

        var cosignTag = withAccessories ? ArtifactQueries.CosignTag(digest) : null;
        var tags = await db.Tags.AsNoTracking()
            .Where(t => t.Artifact!.Repository!.Name == repository
                && (t.Artifact.Digest == digest
                    || (withAccessories && (t.Artifact.SubjectDigest == digest || (cosignTag != null && t.Artifact.Tags.Any(c => c.Name == cosignTag))))))
            .Select(t => new { t.Name, t.Artifact!.Digest }).ToListAsync(cancellationToken);
        if (tags.FirstOrDefault(t => matcher.IsImmutable(t.Name)) is { } found)
        {
            throw new ImmutableTagException(found.Digest == digest
                ? $"the artifact {repository}@{digest} carries the tag {found.Name}, which is configured as immutable: it cannot be deleted"
                : $"the artifact {repository}@{digest} has an accessory {found.Digest} carrying the tag {found.Name}, which is configured as immutable: "
                    + "neither can be deleted");
        }
    }

    /// <summary>Refuses to delete <paramref name="repository"/> while any of its tags is immutable.</summary>
    public async Task EnsureRepositoryDeletableAsync(string repository, CancellationToken cancellationToken)
    {
        var matcher = await MatcherAsync(repository, cancellationToken);
        if (matcher.IsEmpty)
        {
            return;
        }

        var names = await db.Tags.AsNoTracking().Where(t => db.Repositories.Any(r => r.Id == t.RepositoryId && r.Name == repository))
            .Select(t => t.Name).ToListAsync(cancellationToken);
        if (names.Order(StringComparer.Ordinal).FirstOrDefault(matcher.IsImmutable) is { } tag)
        {
            throw new ImmutableTagException($"the repository {repository} holds the tag {tag}, which is configured as immutable: it cannot be deleted");
        }
    }
}
