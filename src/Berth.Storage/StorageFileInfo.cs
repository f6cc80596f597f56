namespace Berth.Storage;

/// <summary>What a driver knows about one path.</summary>
public sealed record StorageFileInfo(string Path, long Size, DateTimeOffset ModifiedAt, bool IsDirectory);
