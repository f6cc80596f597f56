using System.Globalization;

namespace Berth.Distribution.Blobs;

/// <summary>A single-range <c>Range: bytes=…</c> request header resolved against a blob's size.</summary>
internal static class ByteRange
{
    /// <summary>The outcome: no range (serve all), a satisfiable range, or an unsatisfiable one (416).</summary>
    public enum Kind
    {
        None,
        Satisfiable,
        Unsatisfiable,
    }

    /// <summary>
    /// Resolves <c>bytes=a-b</c>, <c>bytes=a-</c> and <c>bytes=-n</c>. Several ranges, or a header that is not a byte
    /// range at all, are ignored and the whole blob is served, as RFC 9110 allows.
    /// </summary>
    public static (Kind Kind, long Start, long Length) Resolve(string? header, long size)
    {
        if (string.IsNullOrEmpty(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)
            || header.Contains(',', StringComparison.Ordinal))
        {
            return (Kind.None, 0, size);
        }

        var spec = header.AsSpan(6).Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return (Kind.None, 0, size);
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return (Kind.None, 0, size);
            }

            return suffix == 0 || size == 0 ? (Kind.Unsatisfiable, 0, 0) : (Kind.Satisfiable, size - Math.Min(suffix, size), Math.Min(suffix, size));
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return (Kind.None, 0, size);
        }

        var end = size - 1;
        if (!last.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return (Kind.None, 0, size);
            }

            end = Math.Min(end, size - 1);
        }

        return start >= size ? (Kind.Unsatisfiable, 0, 0) : (Kind.Satisfiable, start, end - start + 1);
    }
}
