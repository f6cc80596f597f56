using Berth.Jobs;

namespace Berth.Tests.Jobs;

public class CronTests
{
    private static DateTime At(string text) => DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture,
        System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("0 0/15 * * * *", "2026-01-01T10:07:30Z", "2026-01-01T10:15:00Z")]
    [InlineData("0 0/15 * * * *", "2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z")]
    [InlineData("0 0 0 * * *", "2026-01-01T10:00:00Z", "2026-01-02T00:00:00Z")]
    [InlineData("0 0 0 * * 0", "2026-01-01T10:00:00Z", "2026-01-04T00:00:00Z")]
    [InlineData("*/10 * * * * *", "2026-01-01T10:00:05Z", "2026-01-01T10:00:10Z")]
    [InlineData("30 5 4 1 * *", "2026-01-31T00:00:00Z", "2026-02-01T04:05:30Z")]
    public void Next_fire_times_of_harbors_six_field_cron(string expression, string after, string expected) =>
        Assert.Equal(At(expected), Cron.Parse(expression).NextAfter(At(after)));

    [Theory]
    [InlineData("")]
    [InlineData("* * * * *")]
    [InlineData("0 0 0 * * * *")]
    [InlineData("61 * * * * *")]
    [InlineData("a b c d e f")]
    public void Refuses_what_is_not_six_fields(string expression) => Assert.False(Cron.TryParse(expression, out _));
}
