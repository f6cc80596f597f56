using System.Text.Json;
using Berth.Oci.Patterns;

namespace Berth.Retention;

/// <summary>What a policy decides for one repository.</summary>
/// <param name="Applies">False when no enabled rule selects the repository: then nothing in it is touched.</param>
/// <param name="Retained">Artifacts some rule retains.</param>
/// <param name="Deleted">Everything else in the repository.</param>
public sealed record RetentionDecision(bool Applies, IReadOnlyList<RetentionCandidate> Retained, IReadOnlyList<RetentionCandidate> Deleted);

/// <summary>Harbor's retention algorithm, pure: rules select repositories and artifacts, templates retain, the rest goes.</summary>
public static class RetentionEvaluator
{
    /// <param name="repository">The repository name without its project (what Harbor's repository selectors match).</param>
    /// <param name="candidates">Every artifact of the repository.</param>
    /// <param name="policy">The policy; only enabled rules count.</param>
    /// <param name="now">The evaluation time, for the day-based templates.</param>
    public static RetentionDecision Evaluate(string repository, IReadOnlyList<RetentionCandidate> candidates, RetentionPolicy policy, DateTime now)
    {
        var rules = policy.Rules.Where(r => !r.Disabled && SelectsRepository(r, repository)).ToList();
        if (rules.Count == 0)
        {
            return new RetentionDecision(false, [], []);
        }

        var retained = new HashSet<long>();
        foreach (var rule in rules)
        {
            var selected = candidates.Where(c => rule.TagSelectors.All(s => SelectsArtifact(s, c))).ToList();
            retained.UnionWith(RetentionTemplates.Retain(rule, selected, now).Select(c => c.ArtifactId));
        }

        return new RetentionDecision(true,
            candidates.Where(c => retained.Contains(c.ArtifactId)).ToList(),
            candidates.Where(c => !retained.Contains(c.ArtifactId)).ToList());
    }

    /// <summary>Whether any enabled rule of <paramref name="policy"/> selects <paramref name="repository"/> (the name without its project).</summary>
    public static bool Selects(RetentionPolicy policy, string repository) =>
        policy.Rules.Any(r => !r.Disabled && SelectsRepository(r, repository));

    private static bool SelectsRepository(RetentionRule rule, string repository)
    {
        if (!rule.ScopeSelectors.TryGetValue("repository", out var selectors) || selectors.Count == 0)
        {
            return true;
        }

        return selectors.All(s => s.Decoration switch
        {
            "repoExcludes" => !Matches(s.Pattern, repository),
            _ => Matches(s.Pattern, repository),
        });
    }

    /// <summary>
    /// <c>matches</c>: any tag matches, or untagged and the untagged flag set (default true). <c>excludes</c>: any tag does
    /// not match, or untagged and the flag <em>not</em> set (default false): Harbor inverts the flag for excludes on purpose.
    /// </summary>
    private static bool SelectsArtifact(RetentionSelector selector, RetentionCandidate candidate)
    {
        var excludes = selector.Decoration == "excludes";
        var untagged = UntaggedFlag(selector.Extras) ?? !excludes;
        if (candidate.Tags.Count == 0)
        {
            return excludes ? !untagged : untagged;
        }

        return excludes
            ? candidate.Tags.Any(t => !Matches(selector.Pattern, t))
            : candidate.Tags.Any(t => Matches(selector.Pattern, t));
    }

    private static bool? UntaggedFlag(string? extras)
    {
        if (string.IsNullOrWhiteSpace(extras))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(extras);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("untagged", out var value)
                && value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? value.GetBoolean()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A malformed pattern matches nothing (the API refuses such patterns before they are stored).</summary>
    private static bool Matches(string pattern, string name) => Doublestar.TryMatch(pattern, name, out var matched) && matched;
}
