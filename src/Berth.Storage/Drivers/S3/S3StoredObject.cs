namespace Berth.Storage.Drivers.S3;

/// <summary>What the bucket holds for one path: a whole object, segments of an appended one, or (after a crash) both.</summary>
/// <remarks>A whole object wins over segments: a replacing write stores it whole and leaves older segments behind it.</remarks>
internal sealed record S3StoredObject(string Path, S3Segment? Whole, IReadOnlyList<S3Segment> Segments)
{
    public bool Exists => Whole is not null || Segments.Count > 0;

    /// <summary>The pieces a reader reads, in order.</summary>
    public IReadOnlyList<S3Segment> Pieces => Whole is { } whole ? [whole] : Segments;

    public long Size => Whole?.Size ?? (Segments.Count == 0 ? 0 : Segments[^1].Offset + Segments[^1].Size);

    public DateTimeOffset ModifiedAt => Whole?.ModifiedAt ?? (Segments.Count == 0 ? default : Segments.Max(s => s.ModifiedAt));

    /// <summary>Every key stored for the path, whole object and segments: what deleting or moving it removes.</summary>
    public IEnumerable<string> Keys => (Whole is { } whole ? [whole.Key] : Array.Empty<string>()).Concat(Segments.Select(s => s.Key));

    public StorageFileInfo Info => new(Path, Size, ModifiedAt, false);
}
