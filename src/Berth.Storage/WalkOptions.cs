namespace Berth.Storage;

/// <summary>How <see cref="IStorageDriver.WalkAsync"/> walks.</summary>
/// <param name="ModifiedBefore">Yield only objects last modified before this instant (GC and upload purging use it).</param>
public sealed record WalkOptions(DateTimeOffset? ModifiedBefore = null)
{
    public static WalkOptions All { get; } = new();
}
