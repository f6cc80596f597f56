namespace Berth.Storage.Drivers.S3;

/// <summary>One stored piece of an object: a segment of an appended object, or a whole object.</summary>
/// <param name="Key">Its key in the bucket.</param>
/// <param name="Offset">Where its first byte sits in the object.</param>
/// <param name="Size">How many bytes it holds.</param>
/// <param name="ModifiedAt">When it was written.</param>
internal sealed record S3Segment(string Key, long Offset, long Size, DateTimeOffset ModifiedAt);
