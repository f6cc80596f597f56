namespace Berth.Gc;

/// <summary>What a GC run removed, or would remove when it was a dry run.</summary>
public sealed record GcResult(long PurgedManifests, long PurgedBlobs, long FreedSpace, long PurgedOrphans, long UnlinkedBlobs)
{
    public IReadOnlyDictionary<string, object?> ToAttributes(bool dryRun) => new Dictionary<string, object?>
    {
        ["purged_manifests"] = PurgedManifests,
        ["purged_blobs"] = PurgedBlobs,
        ["freed_space"] = FreedSpace,
        ["purged_orphans"] = PurgedOrphans,
        ["unlinked_blobs"] = UnlinkedBlobs,
        ["dry_run"] = dryRun,
    };
}

/// <summary>Where a run stands, for the CLI's progress display and the task log.</summary>
public sealed record GcProgress(string Phase, long Done, long? Total = null);
