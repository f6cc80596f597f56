using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution.Manifests;
using Berth.Jobs;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>Runs a retention policy over a project's repositories (job kind <c>retention</c>), or reports what it would do.</summary>
/// <remarks>
/// Candidates are the repository's top-level artifacts: children of an index and accessories of a present subject go with
/// their parent, and are left to GC's untagged sweep once it is gone.
/// </remarks>
public sealed class RetentionJobHandler(BerthDbContext db, ManifestService manifests, TimeProvider clock) : IJobHandler
{
    public const string JobKind = "retention";
    public const string VendorType = "RETENTION";

    public string Kind => JobKind;

    public async Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters<RetentionParameters>();
        if (!RepositoryName.IsValid(parameters.Project) || parameters.Project.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{parameters.Project}' is not a project name");
        }

        foreach (var rule in parameters.Policy.Rules)
        {
            if (RetentionTemplates.Validate(rule) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var prefix = parameters.Project + "/";
        var repositories = await db.Repositories.AsNoTracking().Where(r => r.Name.StartsWith(prefix))
            .OrderBy(r => r.Name).Select(r => new { r.Id, r.Name }).ToListAsync(cancellationToken);
        var verb = parameters.DryRun ? "would delete" : "deleted";
        long total = 0, retained = 0, deleted = 0;
        foreach (var repository in repositories)
        {
            var candidates = await CandidatesAsync(repository.Id, cancellationToken);
            var decision = RetentionEvaluator.Evaluate(repository.Name[prefix.Length..], candidates, parameters.Policy, now);
            if (!decision.Applies)
            {
                context.Log($"{repository.Name}: no rule selects it; untouched");
                continue;
            }

            total += candidates.Count;
            retained += decision.Retained.Count;
            foreach (var victim in decision.Deleted)
            {
                if (!parameters.DryRun)
                {
                    await manifests.DeleteAsync(repository.Name, new ManifestReference(null, Digest.Parse(victim.Digest)), cancellationToken);
                }

                deleted++;
                var tags = victim.Tags.Count == 0 ? "untagged" : "tags " + string.Join(", ", victim.Tags);
                context.Log($"{repository.Name}: {verb} {victim.Digest} ({tags})");
            }

            context.Log($"{repository.Name}: {candidates.Count} artifacts, retained {decision.Retained.Count}, {verb} {decision.Deleted.Count}");
        }

        context.Log($"retention {(parameters.DryRun ? "dry run" : "run")} over project {parameters.Project}: {total} artifacts, retained {retained}, {verb} {deleted}");
        return new Dictionary<string, object?> { ["total"] = total, ["retained"] = retained, ["deleted"] = deleted, ["dry_run"] = parameters.DryRun };
    }

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
