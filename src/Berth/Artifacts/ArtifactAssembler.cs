using Berth.Data;
using Berth.Data.Entities;
using Berth.Oci;
using Berth.Projects.Immutability;
using Microsoft.EntityFrameworkCore;

namespace Berth.Artifacts;

/// <summary>Builds Harbor's <c>Artifact</c> for a page of artifacts of one repository: a few queries per page, not per artifact.</summary>
public sealed class ArtifactAssembler(BerthDbContext db, ArtifactDocuments documents, ImmutableTags immutableTags)
{
    public async Task<List<ArtifactView>> AssembleAsync(IReadOnlyList<Artifact> page, long projectId, string repository, ArtifactOptions options,
        CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return [];
        }

        var repositoryId = page[0].RepositoryId;
        var ids = page.Select(a => a.Id).ToList();
        var tags = options.WithTag
            ? (await db.Tags.AsNoTracking().Where(t => ids.Contains(t.ArtifactId))
                .OrderByDescending(t => t.PushTime).ThenByDescending(t => t.Id).ToListAsync(cancellationToken)).ToLookup(t => t.ArtifactId)
            : null;
        var labels = options.WithLabel
            ? (await (from r in db.LabelReferences.AsNoTracking()
                      join l in db.Labels.AsNoTracking() on r.LabelId equals l.Id
                      where ids.Contains(r.ArtifactId)
                      orderby r.CreatedAt, l.Id
                      select new { r.ArtifactId, Label = l }).ToListAsync(cancellationToken)).ToLookup(x => x.ArtifactId, x => x.Label)
            : null;
        var immutable = tags is not null && options.WithImmutableStatus ? await immutableTags.MatcherAsync(repository, cancellationToken) : null;
        var references = await ReferencesAsync(page, repositoryId, cancellationToken);
        var accessories = options.WithAccessory ? await AccessoriesAsync(page, repositoryId, repository, cancellationToken) : null;

        var views = new List<ArtifactView>(page.Count);
        foreach (var artifact in page)
        {
            var extraAttrs = MediaTypes.IsIndex(artifact.MediaType) ? null : await documents.ExtraAttrsAsync(artifact.Digest, artifact.Type, cancellationToken);
            views.Add(new ArtifactView(
                artifact,
                projectId,
                repository,
                tags?[artifact.Id].ToList(),
                references.TryGetValue(artifact.Id, out var children) ? children : [],
                accessories?[artifact.Digest].ToList(),
                labels?[artifact.Id].ToList(),
                extraAttrs,
                immutable is null ? null : tags![artifact.Id].Where(t => immutable.IsImmutable(t.Name)).Select(t => t.Id).ToHashSet()));
        }

        return views;
    }

    /// <summary>Each index's entries in order, with the child's id where the repository holds it.</summary>
    private async Task<Dictionary<long, List<ReferenceView>>> ReferencesAsync(IReadOnlyList<Artifact> page, long repositoryId,
        CancellationToken cancellationToken)
    {
        var indexes = page.Where(a => MediaTypes.IsIndex(a.MediaType)).ToList();
        var result = new Dictionary<long, List<ReferenceView>>();
        if (indexes.Count == 0)
        {
            return result;
        }

        var indexIds = indexes.Select(a => a.Id).ToList();
        var stored = (await db.ArtifactReferences.AsNoTracking()
            .Where(r => indexIds.Contains(r.ArtifactId) && r.Kind == ArtifactReferenceKind.Manifest)
            .OrderBy(r => r.Id).ToListAsync(cancellationToken)).ToLookup(r => r.ArtifactId);
        var childDigests = stored.SelectMany(g => g.Select(r => r.Digest)).Distinct().ToList();
        var childIds = await db.Artifacts.AsNoTracking().Where(a => a.RepositoryId == repositoryId && childDigests.Contains(a.Digest))
            .ToDictionaryAsync(a => a.Digest, a => a.Id, cancellationToken);

        foreach (var index in indexes)
        {
            // The stored rows say what the index names; the document adds what only the API shows, entry by entry.
            var entries = await documents.EntriesAsync(index.Digest, cancellationToken);
            var rows = stored[index.Id].ToList();
            result[index.Id] = rows.Select((row, i) =>
            {
                var entry = i < entries.Count && entries[i].Digest == row.Digest ? entries[i] : entries.FirstOrDefault(e => e.Digest == row.Digest);
                return new ReferenceView(index.Id, childIds.TryGetValue(row.Digest, out var childId) ? childId : null, row.Digest,
                    row.PlatformJson ?? entry?.PlatformJson, entry?.AnnotationsJson, entry?.Urls);
            }).ToList();
        }

        return result;
    }

    /// <summary>The accessories of each artifact of the page, newest first, by subject digest.</summary>
    private async Task<ILookup<string, AccessoryView>> AccessoriesAsync(IReadOnlyList<Artifact> page, long repositoryId, string repository,
        CancellationToken cancellationToken)
    {
        var subjects = page.ToDictionary(a => a.Digest, a => a.Id, StringComparer.Ordinal);
        var digests = subjects.Keys.ToList();
        var cosignTags = digests.Select(ArtifactQueries.CosignTag).OfType<string>().ToList();
        var found = await db.Artifacts.AsNoTracking()
            .Where(a => a.RepositoryId == repositoryId
                && ((a.SubjectDigest != null && digests.Contains(a.SubjectDigest)) || a.Tags.Any(t => cosignTags.Contains(t.Name))))
            .OrderByDescending(a => a.PushTime).ThenByDescending(a => a.Id)
            .Select(a => new
            {
                a.Id,
                a.Digest,
                a.Size,
                a.ArtifactType,
                a.SubjectDigest,
                a.PushTime,
                CosignTags = a.Tags.Where(t => cosignTags.Contains(t.Name)).Select(t => t.Name).ToList(),
            })
            .ToListAsync(cancellationToken);

        var views = new List<AccessoryView>();
        foreach (var accessory in found)
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            if (accessory.SubjectDigest is { } subject && subjects.TryGetValue(subject, out var subjectArtifactId) && named.Add(subject))
            {
                views.Add(new AccessoryView(accessory.Id, subjectArtifactId, subject, repository, accessory.Size, accessory.Digest,
                    AccessoryView.TypeOf(accessory.ArtifactType), accessory.PushTime));
            }

            foreach (var tag in accessory.CosignTags)
            {
                if (ArtifactQueries.CosignSubject(tag) is { } signed && subjects.TryGetValue(signed, out var subjectId) && named.Add(signed))
                {
                    views.Add(new AccessoryView(accessory.Id, subjectId, signed, repository, accessory.Size, accessory.Digest,
                        AccessoryView.CosignSignature, accessory.PushTime));
                }
            }
        }

        return views.ToLookup(v => v.SubjectDigest, StringComparer.Ordinal);
    }
}
