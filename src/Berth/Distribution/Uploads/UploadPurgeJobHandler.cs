using Berth.Data;
using Berth.Jobs;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Uploads;

/// <summary>Removes upload sessions idle past <see cref="UploadPurgeOptions.MaxAge"/>, and upload data no session owns.</summary>
public sealed class UploadPurgeJobHandler(
    BerthDbContext db, UploadService uploads, IStorageDriver storage, IOptions<UploadPurgeOptions> options, Settings.SettingsStore systemSettings, TimeProvider clock) : IJobHandler
{
    public const string JobKind = "upload-purge";

    public string Kind => JobKind;

    public async Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.DryRun && (await systemSettings.GetAsync(cancellationToken)).ReadOnly)
        {
            throw new Settings.ReadOnlyModeException();
        }

        var cutoff = clock.GetUtcNow().UtcDateTime - settings.MaxAge;
        var verb = settings.DryRun ? "would remove" : "removed";

        var stale = await db.UploadSessions.Where(s => s.UpdatedAt < cutoff).OrderBy(s => s.UpdatedAt).ToListAsync(cancellationToken);
        long bytes = 0;
        foreach (var session in stale)
        {
            var size = await uploads.SizeAsync(session, cancellationToken);
            bytes += size;
            context.Log($"{verb} upload {session.Id:D} of repository {session.RepositoryId}: {size} bytes, idle since {session.UpdatedAt:o}");
            if (!settings.DryRun)
            {
                await uploads.CancelAsync(session, cancellationToken);
            }
        }

        var orphans = 0;
        await foreach (var file in storage.WalkAsync(StoragePaths.UploadsRoot, new WalkOptions(cutoff), cancellationToken))
        {
            if (!StoragePaths.TryParseUpload(file.Path, out var id)
                || await db.UploadSessions.AsNoTracking().AnyAsync(s => s.Id == id, cancellationToken))
            {
                continue;
            }

            orphans++;
            bytes += file.Size;
            context.Log($"{verb} upload data {file.Path} that no session owns: {file.Size} bytes");
            if (!settings.DryRun)
            {
                try
                {
                    await storage.DeleteAsync(StoragePaths.UploadDirectory(id), cancellationToken);
                }
                catch (StoragePathNotFoundException)
                {
                }
            }
        }

        context.Log($"upload purge {verb} {stale.Count} sessions and {orphans} orphaned upload directories, {bytes} bytes, older than {settings.MaxAge}");
        return new Dictionary<string, object?> { ["purged_sessions"] = stale.Count, ["purged_orphans"] = orphans, ["freed_space"] = bytes };
    }
}
