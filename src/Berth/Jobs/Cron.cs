using System.Diagnostics.CodeAnalysis;
using NCrontab;

namespace Berth.Jobs;

/// <summary>Harbor's six-field cron, seconds first (<c>0 0/15 * * * *</c>), in UTC.</summary>
public sealed class Cron
{
    private static readonly CrontabSchedule.ParseOptions Options = new() { IncludingSeconds = true };
    private readonly CrontabSchedule _schedule;

    private Cron(string expression, CrontabSchedule schedule)
    {
        Expression = expression;
        _schedule = schedule;
    }

    public string Expression { get; }

    public static bool TryParse(string? expression, [NotNullWhen(true)] out Cron? cron)
    {
        cron = null;
        if (string.IsNullOrWhiteSpace(expression)
            || expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6
            || CrontabSchedule.TryParse(expression.Trim(), Options) is not { } schedule)
        {
            return false;
        }

        cron = new Cron(expression.Trim(), schedule);
        return true;
    }

    public static Cron Parse(string expression) =>
        TryParse(expression, out var cron) ? cron : throw new FormatException($"'{expression}' is not a six-field cron expression (seconds first)");

    /// <summary>The first due time strictly after <paramref name="after"/> (UTC).</summary>
    /// <remarks>The answer is marked UTC: PostgreSQL's provider refuses to store a time of unknown kind.</remarks>
    public DateTime NextAfter(DateTime after) =>
        DateTime.SpecifyKind(_schedule.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Unspecified)), DateTimeKind.Utc);
}
