using System.Globalization;
using System.Text.Json;

namespace Berth.Retention;

/// <summary>Harbor's rule templates: which of the selected artifacts a rule retains.</summary>
public static class RetentionTemplates
{
    public const string LatestPushedK = "latestPushedK";
    public const string LatestPulledN = "latestPulledN";
    public const string NDaysSinceLastPush = "nDaysSinceLastPush";
    public const string NDaysSinceLastPull = "nDaysSinceLastPull";
    public const string Always = "always";
    public const string LatestActiveK = "latestActiveK";
    public const string LastXDays = "lastXDays";

    /// <summary>What <c>/retentions/metadatas</c> advertises; <see cref="LatestActiveK"/> and <see cref="LastXDays"/> are accepted too, as Harbor does.</summary>
    public static IReadOnlyList<string> Advertised { get; } = [LatestPushedK, LatestPulledN, NDaysSinceLastPush, NDaysSinceLastPull, Always];

    public static IReadOnlyList<string> All { get; } = [.. Advertised, LatestActiveK, LastXDays];

    private const int MaxCount = 32766;
    private const int MaxDays = 20190904;

    /// <summary>Checks a rule's template and parameter; null when valid, else what is wrong.</summary>
    public static string? Validate(RetentionRule rule)
    {
        if (!All.Contains(rule.Template))
        {
            return $"unknown retention template '{rule.Template}'";
        }

        if (rule.Template == Always || !rule.Params.TryGetValue(rule.Template, out var value))
        {
            return null;
        }

        var max = IsCount(rule.Template) ? MaxCount : MaxDays;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0 && number <= max
            ? null
            : $"parameter {rule.Template} must be an integer from 0 to {max.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The artifacts of <paramref name="selected"/> that <paramref name="rule"/> retains.</summary>
    public static IEnumerable<RetentionCandidate> Retain(RetentionRule rule, IReadOnlyList<RetentionCandidate> selected, DateTime now)
    {
        var n = Parameter(rule);
        return rule.Template switch
        {
            LatestPushedK => selected.OrderByDescending(c => c.PushTime).Take(n),
            LatestPulledN => selected.OrderByDescending(c => c.PullTime ?? DateTime.MinValue).Take(n),
            LatestActiveK => selected.OrderByDescending(c => Max(c.PushTime, c.PullTime)).Take(n),
            NDaysSinceLastPush or LastXDays => selected.Where(c => c.PushTime >= now.AddDays(-n)),
            NDaysSinceLastPull => selected.Where(c => c.PullTime is { } pulled && pulled >= now.AddDays(-n)),
            Always => selected,
            _ => throw new InvalidOperationException($"unknown retention template '{rule.Template}'"),
        };
    }

    /// <summary>The rule's number; Harbor's defaults when it is missing: 10 for counts, 30 for days.</summary>
    private static int Parameter(RetentionRule rule) =>
        rule.Params.TryGetValue(rule.Template, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)
            ? n
            : IsCount(rule.Template) ? 10 : 30;

    private static bool IsCount(string template) => template is LatestPushedK or LatestPulledN or LatestActiveK;

    private static DateTime Max(DateTime push, DateTime? pull) => pull is { } p && p > push ? p : push;
}
