using System.Globalization;

namespace Berth.Oci;

/// <summary>An upload chunk's <c>Content-Range: &lt;start&gt;-&lt;end&gt;</c>, both inclusive, as the spec writes it.</summary>
public readonly record struct ContentRange(long Start, long End)
{
    public long Length => End - Start + 1;

    /// <summary>Parses <c>start-end</c>, also with distribution's tolerated <c>bytes </c> / <c>bytes=</c> prefix.</summary>
    /// <remarks>Refuses negatives, overflow, <c>end &lt; start</c> and anything that is not two decimal numbers.</remarks>
    public static bool TryParse(string? text, out ContentRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            span = span[5..].TrimStart(" =");
        }

        var slash = span.IndexOf('/');
        if (slash >= 0)
        {
            span = span[..slash];
        }

        var dash = span.IndexOf('-');
        if (dash <= 0
            || !long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(span[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start || end == long.MaxValue)
        {
            return false;
        }

        range = new ContentRange(start, end);
        return true;
    }
}
