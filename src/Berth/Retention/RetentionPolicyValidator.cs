using System.Text.Json;
using Berth.Api;
using Berth.Jobs;
using Berth.Oci.Patterns;

namespace Berth.Retention;

/// <summary>Checks a retention policy from the API before it is stored, so that a stored policy always runs.</summary>
/// <remarks>
/// Stricter than Harbor, which only checks the cron and lets an unknown template or a broken pattern fail each run: here
/// they are a 400 with what is wrong. The scope is the endpoints' business (they authorize on it first).
/// </remarks>
public static class RetentionPolicyValidator
{
    /// <summary>Harbor's limit on rules per policy.</summary>
    public const int MaxRules = 15;

    private static readonly string[] TagDecorations = ["matches", "excludes"];
    private static readonly string[] RepositoryDecorations = ["repoMatches", "repoExcludes"];

    /// <summary>Checks <paramref name="policy"/> and fills in what may be left out (empty lists, the <c>or</c> algorithm).</summary>
    /// <exception cref="ApiException">400 for anything invalid; 409 for two identical rules, as Harbor answers.</exception>
    public static void Validate(RetentionPolicy policy)
    {
        policy.Algorithm ??= "or";
        if (policy.Algorithm != "or")
        {
            throw ApiException.BadRequest($"algorithm must be \"or\", not \"{policy.Algorithm}\"");
        }

        policy.Rules ??= [];
        if (policy.Rules.Count > MaxRules)
        {
            throw ApiException.BadRequest($"only {MaxRules} rules are allowed at most");
        }

        for (var i = 0; i < policy.Rules.Count; i++)
        {
            ValidateRule(i, policy.Rules[i] ?? throw ApiException.BadRequest($"rules[{i}] is null"));
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < policy.Rules.Count; i++)
        {
            // Harbor compares rules without their ids.
            var rule = policy.Rules[i];
            var id = rule.Id;
            rule.Id = 0;
            var text = JsonSerializer.Serialize(rule);
            rule.Id = id;
            if (!seen.TryAdd(text, i))
            {
                throw ApiException.Conflict($"rules[{i}] is the same rule as rules[{seen[text]}]");
            }
        }

        ValidateTrigger(policy.Trigger ?? throw ApiException.BadRequest("trigger is required: {\"kind\":\"Schedule\",\"settings\":{\"cron\":\"\"}}"));
    }

    /// <summary>The policy's cron, or null when it has no schedule (an empty <c>cron</c>).</summary>
    public static string? CronOf(RetentionPolicy policy) =>
        policy.Trigger?.Settings is { } settings && settings.TryGetValue("cron", out var cron) && cron.ValueKind == JsonValueKind.String
            && cron.GetString() is { Length: > 0 } text
            ? text
            : null;

    private static void ValidateRule(int index, RetentionRule rule)
    {
        var at = $"rules[{index}]";
        rule.Action ??= "retain";
        if (rule.Action != "retain")
        {
            throw ApiException.BadRequest($"{at}.action must be \"retain\", not \"{rule.Action}\"");
        }

        if (!RetentionTemplates.All.Contains(rule.Template))
        {
            throw ApiException.BadRequest($"{at}.template '{rule.Template}' is unknown; it is one of {string.Join(", ", RetentionTemplates.All)}");
        }

        rule.Params ??= [];
        if (rule.Template != RetentionTemplates.Always && !rule.Params.ContainsKey(rule.Template))
        {
            throw ApiException.BadRequest($"{at}: template {rule.Template} needs params.{rule.Template}");
        }

        if (RetentionTemplates.Validate(rule) is { } problem)
        {
            throw ApiException.BadRequest($"{at}: {problem}");
        }

        rule.TagSelectors ??= [];
        for (var i = 0; i < rule.TagSelectors.Count; i++)
        {
            var selector = rule.TagSelectors[i] ?? throw ApiException.BadRequest($"{at}.tag_selectors[{i}] is null");
            ValidateSelector($"{at}.tag_selectors[{i}]", selector, TagDecorations);
            ValidateExtras($"{at}.tag_selectors[{i}]", selector.Extras);
        }

        rule.ScopeSelectors ??= [];
        foreach (var (key, selectors) in rule.ScopeSelectors)
        {
            if (key != "repository")
            {
                throw ApiException.BadRequest($"{at}.scope_selectors.{key} is not supported: a project's policy selects repositories only");
            }

            for (var i = 0; i < (selectors ?? []).Count; i++)
            {
                ValidateSelector($"{at}.scope_selectors.repository[{i}]",
                    selectors![i] ?? throw ApiException.BadRequest($"{at}.scope_selectors.repository[{i}] is null"), RepositoryDecorations);
            }
        }
    }

    private static void ValidateSelector(string at, RetentionSelector selector, string[] decorations)
    {
        if (selector.Kind != "doublestar")
        {
            throw ApiException.BadRequest($"{at}.kind must be \"doublestar\", not \"{selector.Kind}\"");
        }

        if (!decorations.Contains(selector.Decoration))
        {
            throw ApiException.BadRequest($"{at}.decoration must be {string.Join(" or ", decorations)}, not \"{selector.Decoration}\"");
        }

        if (string.IsNullOrEmpty(selector.Pattern) || !Doublestar.IsWellFormed(selector.Pattern))
        {
            throw ApiException.BadRequest($"{at}.pattern '{selector.Pattern}' is not a valid doublestar pattern");
        }
    }

    /// <summary>Tag selectors' <c>extras</c>: a JSON object in a string, whose <c>untagged</c> is true or false.</summary>
    private static void ValidateExtras(string at, string? extras)
    {
        if (string.IsNullOrWhiteSpace(extras))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(extras);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || (document.RootElement.TryGetProperty("untagged", out var untagged) && untagged.ValueKind is not (JsonValueKind.True or JsonValueKind.False)))
            {
                throw ApiException.BadRequest($"{at}.extras must be a JSON object like {{\"untagged\":true}}");
            }
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest($"{at}.extras must be a JSON object like {{\"untagged\":true}}");
        }
    }

    /// <summary>Harbor's rule for scheduled retention: a six-field cron whose seconds field is 0, or an empty one for no schedule.</summary>
    private static void ValidateTrigger(RetentionTrigger trigger)
    {
        if (trigger.Kind != "Schedule")
        {
            throw ApiException.BadRequest($"trigger.kind must be \"Schedule\", not \"{trigger.Kind}\"");
        }

        trigger.Settings ??= [];
        trigger.References ??= [];
        if (!trigger.Settings.TryGetValue("cron", out var cron) || cron.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (cron.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest("trigger.settings.cron must be a string");
        }

        var text = cron.GetString()!;
        if (text.Length > 0 && (!Cron.TryParse(text, out _) || text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] != "0"))
        {
            throw ApiException.BadRequest($"invalid cron string for scheduled tag retention: '{text}'; "
                + "it takes six fields, seconds first, and the seconds field must be 0 (\"0 0 0 * * *\" is daily)");
        }
    }
}
