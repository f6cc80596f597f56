using System.Globalization;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Manifests;
using Berth.Jobs;
using Berth.Oci;
using Berth.Projects.Immutability;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>Runs a retention policy over one repository (job kind <c>retention</c>, one per task), or reports what it would do.</summary>
/// <remarks>
/// <para>
/// Candidates are the repository's top-level artifacts: children of an index and accessories of a present subject go with
/// their parent, and are left to GC's untagged sweep once it is gone.
/// </para>
/// <para>
/// A retried attempt evaluates again what is left. That is the same decision: deleting artifacts no rule retains never
/// changes which ones the rules retain (the newest K of a selection stay the newest K, time windows do not move), and a
/// manifest already deleted is skipped.
/// </para>
/// <para>
/// An artifact carrying a tag that a tag immutability rule protects is kept whatever the policy decides, as Harbor keeps
/// it, and counted as retained.
/// </para>
/// </remarks>
public sealed class RetentionJobHandler(BerthDbContext db, ManifestService manifests, ImmutableTags immutableTags, Settings.SettingsStore systemSettings,
    TimeProvider clock) : IJobHandler
{
    public const string JobKind = "retention";
    public const string VendorType = "RETENTION";

    public string Kind => JobKind;

    public async Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters<RetentionParameters>();
        if (!parameters.DryRun && (await systemSettings.GetAsync(cancellationToken)).ReadOnly)
        {
            throw new Settings.ReadOnlyModeException();
        }

        var prefix = parameters.Project + "/";
        if (!RepositoryName.IsValid(parameters.Repository) || !parameters.Repository.StartsWith(prefix, StringComparison.Ordinal)
            || parameters.Project.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{parameters.Repository}' is not a repository of project '{parameters.Project}'");
        }

        foreach (var rule in parameters.Policy.Rules)
        {
            if (RetentionTemplates.Validate(rule) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }
        }

        var name = parameters.Repository;
        var dryRun = parameters.DryRun;
        var verb = dryRun ? "would delete" : "deleted";
        context.Log($"retention {(dryRun ? "dry run" : "run")} of {name}, algorithm {parameters.Policy.Algorithm}, "
            + $"{parameters.Policy.Rules.Count(r => !r.Disabled)} enabled rules");
        var repositoryId = await db.Repositories.AsNoTracking().Where(r => r.Name == name).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
        if (repositoryId is null)
        {
            context.Log($"{name}: the repository is gone; nothing to do");
            return Results(0, 0, 0);
        }

        var candidates = await CandidatesAsync(repositoryId.Value, cancellationToken);
        var decision = RetentionEvaluator.Evaluate(name[prefix.Length..], candidates, parameters.Policy, clock.GetUtcNow().UtcDateTime);
        if (!decision.Applies)
        {
            context.Log($"{name}: no enabled rule selects it; untouched");
            return Results(candidates.Count, candidates.Count, 0);
        }

        context.Log($"{name}: {candidates.Count} artifacts");
        var immutable = await immutableTags.MatcherAsync(name, cancellationToken);
        var protectedIds = decision.Deleted.Where(c => c.Tags.Any(immutable.IsImmutable)).Select(c => c.ArtifactId).ToHashSet();
        var kept = decision.Retained.Select(c => c.ArtifactId).ToHashSet();
        foreach (var candidate in candidates.OrderByDescending(c => c.PushTime).ThenBy(c => c.Digest, StringComparer.Ordinal))
        {
            var mark = kept.Contains(candidate.ArtifactId) ? "RETAIN" : protectedIds.Contains(candidate.ArtifactId) ? "IMMUT " : "DEL   ";
            context.Log($"{mark} {candidate.Digest} ({Tags(candidate)}) "
                + $"pushed {Time(candidate.PushTime)}, pulled {(candidate.PullTime is { } pulled ? Time(pulled) : "never")}");
        }

        var deleted = 0;
        foreach (var victim in decision.Deleted)
        {
            if (protectedIds.Contains(victim.ArtifactId))
            {
                context.Log($"{name}: kept {victim.Digest} ({Tags(victim)}): an immutable tag protects it");
                continue;
            }

            if (!dryRun)
            {
                try
                {
                    await manifests.DeleteAsync(name, new ManifestReference(null, Digest.Parse(victim.Digest)), cancellationToken);
                }
                catch (ImmutableTagException ex)
                {
                    // A rule created or a tag pushed since the decision was taken: the artifact stays.
                    protectedIds.Add(victim.ArtifactId);
                    context.Log($"{name}: kept {victim.Digest}: {ex.Message}");
                    continue;
                }
            }

            deleted++;
            context.Log($"{name}: {verb} {victim.Digest} ({Tags(victim)})");
        }

        var retained = decision.Retained.Count + protectedIds.Count;
        context.Log($"{name}: {candidates.Count} artifacts, retained {retained} ({protectedIds.Count} of them immutable), {verb} {deleted}");
        var results = Results(candidates.Count, retained, deleted);
        // What went, as the TAG_RETENTION webhook lists it: repository:tag, or repository@digest for an untagged artifact.
        results["deleted_artifacts"] = decision.Deleted.Where(v => !protectedIds.Contains(v.ArtifactId))
            .SelectMany(v => v.Tags.Count == 0 ? [$"{name}@{v.Digest}"] : v.Tags.Select(t => $"{name}:{t}")).ToList();
        return results;
    }

    /// <summary>What the task keeps in its <c>extra_attrs</c>, and the tasks endpoint shows.</summary>
    private static Dictionary<string, object?> Results(int total, int retained, int deleted) =>
        new() { ["total"] = total, ["retained"] = retained, ["deleted"] = deleted };

    private static string Tags(RetentionCandidate candidate) =>
        candidate.Tags.Count == 0 ? "untagged" : "tags " + string.Join(", ", candidate.Tags);

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private async Task<List<RetentionCandidate>> CandidatesAsync(long repositoryId, CancellationToken cancellationToken)
    {
        var artifacts = await db.Artifacts.AsNoTracking()
            .Where(a => a.RepositoryId == repositoryId
                && !db.ArtifactReferences.Any(r => r.Kind == ArtifactReferenceKind.Manifest && r.Digest == a.Digest && r.Artifact!.RepositoryId == repositoryId)
                && !(a.SubjectDigest != null && db.Artifacts.Any(s => s.RepositoryId == repositoryId && s.Digest == a.SubjectDigest)))
            .Select(a => new { a.Id, a.Digest, a.PushTime, a.PullTime, Tags = a.Tags.Select(t => new { t.Name, t.PushTime, t.PullTime }).ToList() })
            .ToListAsync(cancellationToken);
        return artifacts.Select(a => new RetentionCandidate(
            a.Id,
            a.Digest,
            a.Tags.Select(t => t.Name).Order(StringComparer.Ordinal).ToList(),
            a.Tags.Select(t => t.PushTime).Append(a.PushTime).Max(),
            a.Tags.Select(t => t.PullTime).Append(a.PullTime).Max())).ToList();
    }
}
