using System.Globalization;

namespace Berth.Storage.Drivers.S3;

/// <summary>How storage paths map onto the bucket's keys, including the keys of an appended object's segments.</summary>
/// <remarks>
/// <para>Path <c>/a/b</c> is key <c>PREFIX/a/b</c> (or <c>a/b</c> without a prefix). An object written by appends is kept as
/// segments, one per committed append, at <c>PREFIX/a/b!OFFSET</c> with the segment's first byte's offset in twenty
/// digits. <c>!</c> never occurs in a path, so no path's key can be taken for a segment, and since it sorts before
/// every character a path may hold, an object's segments list together and in order.</para>
/// <para>Keys under the prefix that are no storage path (written by something else) are never listed or walked.</para>
/// </remarks>
internal sealed class S3Keys(string prefix)
{
    public const char SegmentSeparator = '!';

    private const string OffsetFormat = "D20";

    private readonly string _root = prefix.Length == 0 ? "" : prefix + "/";

    /// <summary>The key of the object at <paramref name="path"/> (never "/").</summary>
    public string Object(string path) => _root + path[1..];

    /// <summary>What every key under <paramref name="path"/>, as a directory, starts with.</summary>
    public string Children(string path) => path == "/" ? _root : Object(path) + "/";

    /// <summary>What the keys of the segments of the object at <paramref name="path"/> start with.</summary>
    public string Segments(string path) => Object(path) + SegmentSeparator;

    public string Segment(string path, long offset) => Segments(path) + offset.ToString(OffsetFormat, CultureInfo.InvariantCulture);

    /// <summary>The path of an object's key, or null when the key is outside the prefix or no valid path.</summary>
    public string? PathOf(string objectKey)
    {
        if (!objectKey.StartsWith(_root, StringComparison.Ordinal))
        {
            return null;
        }

        var path = "/" + objectKey[_root.Length..];
        return path != "/" && StoragePath.IsValid(path) ? path : null;
    }

    /// <summary>Splits a segment key into the key of its object and its offset; false for any other key.</summary>
    public static bool TryParseSegment(string key, out string objectKey, out long offset)
    {
        objectKey = "";
        offset = 0;
        var separator = key.LastIndexOf(SegmentSeparator);
        if (separator <= 0 || key.Length - separator - 1 != 20
            || !long.TryParse(key.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            return false;
        }

        objectKey = key[..separator];
        return true;
    }
}
