using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Distribution;
using Berth.Events;
using Berth.Oci;
using Berth.Settings;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects;

/// <summary>Project storage quotas: which blobs each project's quota counts, and charging and releasing them.</summary>
/// <remarks>
/// <para>As in Harbor, a project's usage is the sum of the sizes of the distinct blobs associated with it
/// (<c>project_blobs</c>): a layer shared by two repositories of a project counts once, the same layer in another project
/// counts there too. A blob is charged when it is linked into one of the project's repositories (upload, mount) and when a
/// manifest naming it is pushed there; the charge and the limit check are one conditional UPDATE, so pushes racing for the
/// last free bytes cannot all pass.</para>
/// <para>Deleting an artifact releases at once the blobs no other artifact of the project names, even while GC has not
/// yet removed them, as Harbor does; blobs uploaded but never named by a manifest are released when GC unlinks them.</para>
/// <para>Every method works inside the caller's transaction. Before reading associations a charge or release takes the
/// quota row's write lock (a no-op UPDATE), so on a database with row locks two transactions never count from the
/// same stale set; SQLite serialises write transactions anyway.</para>
/// </remarks>
public sealed class QuotaService(BerthDbContext db, SettingsStore settings, TimeProvider clock, EventLog events, DeferredEvents deferred)
{
    private static readonly Func<BerthDbContext, long, Task<ProjectRef?>> ProjectOfRepositoryQuery =
        EF.CompileAsyncQuery((BerthDbContext db, long repositoryId) =>
            (from r in db.Repositories
             where r.Id == repositoryId
             join p in db.Projects on r.Name.Substring(0, r.Name.IndexOf(Repository.ProjectSeparator)) equals p.Name
             select new ProjectRef(p.Id, p.Name))
                .FirstOrDefault());

    /// <summary>The share of the limit from which each charge raises <c>QUOTA_WARNING</c>, as in Harbor.</summary>
    public const int WarningPercent = 85;

    /// <summary>Harbor's bounds for a hard limit: -1 (none) or 1 byte to 1024 TB.</summary>
    public static bool IsValidLimit(long limit) => limit == -1 || limit is > 0 and <= SystemSettings.MaxStorageLimit;

    /// <summary>Associates <paramref name="blobIds"/> with the project of <paramref name="repositoryId"/>, charging those it did not hold.</summary>
    /// <remarks>
    /// A charge that leaves the project at <see cref="WarningPercent"/> or more of its limit records <c>QUOTA_WARNING</c>
    /// with it; a refused one defers <c>QUOTA_EXCEED</c>, recorded after the request's transaction has rolled back.
    /// </remarks>
    /// <param name="repositoryId">Where the blobs were linked or named.</param>
    /// <param name="blobIds">The blobs.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <param name="digest">The manifest or blob being pushed, named in the quota events.</param>
    /// <exception cref="DistributionException">403 <c>DENIED</c> with Harbor's message when the charge would pass the limit; nothing is charged then.</exception>
    public async Task ChargeAsync(long repositoryId, IReadOnlyCollection<long> blobIds, CancellationToken cancellationToken, string? digest = null)
    {
        if (blobIds.Count == 0 || await ProjectOfRepositoryQuery(db, repositoryId) is not { } project)
        {
            return;
        }

        // The common case, a blob the project already holds, costs this one read and no write.
        if (!await Missing(project.Id, blobIds).AnyAsync(cancellationToken))
        {
            return;
        }

        await LockAsync(project.Id, cancellationToken);
        var missing = await Missing(project.Id, blobIds).Select(b => new Charge(b.Id, b.Size)).ToListAsync(cancellationToken);
        await ChargeLockedAsync(project, repositoryId, missing, digest, cancellationToken);
    }

    /// <summary>Charges a blob whose row the caller's transaction has just inserted: no project holds it yet, so nothing is read to know what to charge.</summary>
    /// <remarks>Nothing is read between the charge and the association, so the quota row needs no lock before the charge: the charge's own UPDATE is the lock.</remarks>
    /// <exception cref="DistributionException">403 <c>DENIED</c> as <see cref="ChargeAsync"/>.</exception>
    public async Task ChargeNewAsync(long repositoryId, long blobId, long size, CancellationToken cancellationToken)
    {
        if (await ProjectOfRepositoryQuery(db, repositoryId) is not { } project)
        {
            return;
        }

        await ChargeLockedAsync(project, repositoryId, [new Charge(blobId, size)], null, cancellationToken);
    }

    private async Task ChargeLockedAsync(ProjectRef project, long repositoryId, List<Charge> missing, string? digest, CancellationToken cancellationToken)
    {
        var delta = missing.Sum(b => b.Size);
        var enforce = (await settings.GetAsync(cancellationToken)).QuotaPerProjectEnabled;
        var now = clock.GetUtcNow().UtcDateTime;
        var after = await AddUsedAsync(project.Id, delta, enforce, now, cancellationToken);
        if (after is null)
        {
            // Over the limit, or no quota row yet (a project from before quotas, or made outside the API, whose row
            // another push may be creating right now): with the row made and locked, the charge is tried once more.
            await LockAsync(project.Id, cancellationToken);
            after = await AddUsedAsync(project.Id, delta, enforce, now, cancellationToken);
        }

        if (after is null)
        {
            var quota = await db.Quotas.AsNoTracking().Where(q => q.ProjectId == project.Id)
                .Select(q => new { q.Used, q.Hard }).FirstAsync(cancellationToken);
            var message = ExceededMessage(delta, quota.Used, quota.Hard);
            deferred.Defer(EventTypes.QuotaExceed, await EventDataAsync(repositoryId, digest, message, cancellationToken), project.Id, now);
            throw DistributionException.Of(ErrorCode.Denied, message, status: 403);
        }

        foreach (var blob in missing)
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO project_blobs (\"ProjectId\", \"BlobId\", \"CreatedAt\") VALUES ({project.Id}, {blob.Id}, {now})", cancellationToken);
        }

        if (enforce && after.Hard > 0 && after.Used * 100 >= after.Hard * WarningPercent)
        {
            var message = $"Quota usage reached {WarningPercent}%: storage resource used {FormatSize(after.Used)} of {FormatSize(after.Hard)}.";
            events.Add(EventTypes.QuotaWarning, await EventDataAsync(repositoryId, digest, message, cancellationToken), project.Id, at: now);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>What a quota event says: the repository, the artifact or blob being pushed, and Harbor's <c>custom_attributes.Details</c>.</summary>
    private async Task<EventData> EventDataAsync(long repositoryId, string? digest, string details, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories.AsNoTracking().Where(r => r.Id == repositoryId).Select(r => r.Name).FirstAsync(cancellationToken);
        var data = EventData.ForRepository(repository);
        data.Digest = digest;
        data.Extra = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["custom_attributes"] = new Dictionary<string, string> { ["Details"] = details },
        });
        return data;
    }

    /// <summary>After an artifact of <paramref name="repositoryId"/> was deleted: releases those of its blobs that no other artifact of the project names.</summary>
    public async Task ReleaseDeletedAsync(long repositoryId, IReadOnlyCollection<long> blobIds, CancellationToken cancellationToken)
    {
        if (blobIds.Count == 0 || await ProjectOfRepositoryQuery(db, repositoryId) is not { } project)
        {
            return;
        }

        await LockAsync(project.Id, cancellationToken);
        var name = project.Name;
        var released = await db.ProjectBlobs
            .Where(pb => pb.ProjectId == project.Id && blobIds.Contains(pb.BlobId))
            .Where(pb => !db.Artifacts.Any(a => a.BlobId == pb.BlobId && a.Repository!.Name.Substring(0, a.Repository.Name.IndexOf(Repository.ProjectSeparator)) == name)
                && !db.ArtifactReferences.Any(r => r.BlobId == pb.BlobId
                    && r.Artifact!.Repository!.Name.Substring(0, r.Artifact.Repository.Name.IndexOf(Repository.ProjectSeparator)) == name))
            .ExecuteDeleteAsync(cancellationToken);
        if (released > 0)
        {
            await RecountAsync(project.Id, cancellationToken);
        }
    }

    /// <summary>Releases every blob that neither a repository nor an artifact of its project holds any more (after GC unlinked it, or its repository went).</summary>
    /// <param name="projectName">Only this project's, or every project's when null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The number of released associations.</returns>
    public async Task<int> ReleaseUnheldAsync(string? projectName, CancellationToken cancellationToken)
    {
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var unheld = await db.ProjectBlobs
            .Join(db.Projects, pb => pb.ProjectId, p => p.Id, (pb, p) => new { pb.ProjectId, pb.BlobId, p.Name })
            .Where(x => projectName == null || x.Name == projectName)
            .Where(x => !db.RepositoryBlobs.Any(l => l.BlobId == x.BlobId && l.Repository!.Name.Substring(0, l.Repository.Name.IndexOf(Repository.ProjectSeparator)) == x.Name)
                && !db.Artifacts.Any(a => a.BlobId == x.BlobId && a.Repository!.Name.Substring(0, a.Repository.Name.IndexOf(Repository.ProjectSeparator)) == x.Name)
                && !db.ArtifactReferences.Any(r => r.BlobId == x.BlobId
                    && r.Artifact!.Repository!.Name.Substring(0, r.Artifact.Repository.Name.IndexOf(Repository.ProjectSeparator)) == x.Name))
            .Select(x => new { x.ProjectId, x.BlobId })
            .ToListAsync(cancellationToken);
        foreach (var group in unheld.GroupBy(x => x.ProjectId))
        {
            await LockAsync(group.Key, cancellationToken);
            foreach (var chunk in group.Select(x => x.BlobId).Chunk(500))
            {
                await db.ProjectBlobs.Where(pb => pb.ProjectId == group.Key && chunk.Contains(pb.BlobId)).ExecuteDeleteAsync(cancellationToken);
            }

            await RecountAsync(group.Key, cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return unheld.Count;
    }

    /// <summary>Harbor's quota list: <c>reference</c> (only <c>project</c> exists), <c>reference_id</c>, and <c>sort</c> on <c>hard.storage</c> or <c>used.storage</c>.</summary>
    public async Task<(List<QuotaView> Page, int Total)> ListAsync(string? reference, string? referenceId, string? sort, ApiPaging paging,
        CancellationToken cancellationToken)
    {
        var rows = Views();
        if (!string.IsNullOrEmpty(reference) && reference != "project")
        {
            return ([], 0);
        }

        if (!string.IsNullOrEmpty(referenceId))
        {
            if (!long.TryParse(referenceId, NumberStyles.None, CultureInfo.InvariantCulture, out var projectId))
            {
                return ([], 0); // no project has that id
            }

            rows = rows.Where(v => v.ProjectId == projectId);
        }

        rows = sort switch
        {
            null or "" => rows.OrderBy(v => v.Id),
            "hard.storage" => rows.OrderBy(v => v.Hard).ThenBy(v => v.Id),
            "-hard.storage" => rows.OrderByDescending(v => v.Hard).ThenBy(v => v.Id),
            "used.storage" => rows.OrderBy(v => v.Used).ThenBy(v => v.Id),
            "-used.storage" => rows.OrderByDescending(v => v.Used).ThenBy(v => v.Id),
            _ => throw ApiException.BadRequest("sort must be one of hard.storage, -hard.storage, used.storage, -used.storage"),
        };
        var total = await rows.CountAsync(cancellationToken);
        var page = total <= paging.Skip ? [] : await rows.Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return (page, total);
    }

    public async Task<QuotaView> GetAsync(long id, CancellationToken cancellationToken) =>
        await Views().FirstOrDefaultAsync(v => v.Id == id, cancellationToken) ?? throw ApiException.NotFound($"quota {id} not found");

    /// <summary>Sets the hard limit; a limit below what is used is allowed (nothing more can be pushed until usage falls), as in Harbor.</summary>
    public async Task UpdateHardAsync(long id, IReadOnlyDictionary<string, long>? hard, CancellationToken cancellationToken)
    {
        if (hard is null || hard.Count == 0)
        {
            throw ApiException.BadRequest("hard must name the storage limit, e.g. {\"hard\":{\"storage\":1073741824}}");
        }

        foreach (var (resource, limit) in hard)
        {
            if (resource != "storage")
            {
                throw ApiException.BadRequest($"resource {resource} is not supported; the only quota resource is storage");
            }

            if (!IsValidLimit(limit))
            {
                throw ApiException.BadRequest($"hard.storage must be -1 (no limit) or from 1 to {SystemSettings.MaxStorageLimit} bytes");
            }
        }

        var storage = hard["storage"];
        var now = clock.GetUtcNow().UtcDateTime;
        var updated = await db.Quotas.Where(q => q.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Hard, storage).SetProperty(q => q.UpdatedAt, now), cancellationToken);
        if (updated == 0)
        {
            throw ApiException.NotFound($"quota {id} not found");
        }
    }

    private IQueryable<QuotaView> Views() =>
        from q in db.Quotas.AsNoTracking()
        join p in db.Projects on q.ProjectId equals p.Id
        select new QuotaView
        {
            Id = q.Id,
            ProjectId = p.Id,
            ProjectName = p.Name,
            OwnerName = db.Users.Where(u => u.Id == p.OwnerId).Select(u => u.Username).FirstOrDefault(),
            Hard = q.Hard,
            Used = q.Used,
            CreatedAt = q.CreatedAt,
            UpdatedAt = q.UpdatedAt,
        };

    /// <summary>Harbor's message for a refused charge, sizes as Harbor prints them ("adding 2.1 MiB … of 10.0 MiB.").</summary>
    public static string ExceededMessage(long delta, long used, long hard) =>
        $"Quota exceeded when processing the request of adding {FormatSize(delta)} of storage resource, which when updated to current usage of "
        + $"{FormatSize(used)} will exceed the configured upper limit of {FormatSize(hard)}.";

    /// <summary>Bytes as Harbor shows them: "512 B", then one decimal in binary units ("1.5 KiB", "10.0 MiB").</summary>
    public static string FormatSize(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        const string units = "KMGTPE";
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit] + "iB";
    }

    /// <summary>The project's quota row, created (no limit) when a project from before quotas, or made outside the API, has none.</summary>
    private async Task LockAsync(long projectId, CancellationToken cancellationToken)
    {
        var locked = await db.Quotas.Where(q => q.ProjectId == projectId)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.Hard, q => q.Hard), cancellationToken);
        if (locked == 0)
        {
            // Two first charges may race to create it: one insert wins, and both then lock the same row.
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO quotas (\"ProjectId\", \"Hard\", \"Used\", \"CreatedAt\", \"UpdatedAt\") VALUES ({projectId}, -1, 0, {now}, {now}) ON CONFLICT (\"ProjectId\") DO NOTHING",
                cancellationToken);
            await db.Quotas.Where(q => q.ProjectId == projectId).ExecuteUpdateAsync(s => s.SetProperty(q => q.Hard, q => q.Hard), cancellationToken);
        }
    }

    private async Task RecountAsync(long projectId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Quotas.Where(q => q.ProjectId == projectId).ExecuteUpdateAsync(s => s
            .SetProperty(q => q.Used, q => db.ProjectBlobs.Where(pb => pb.ProjectId == q.ProjectId).Sum(pb => pb.Blob!.Size))
            .SetProperty(q => q.UpdatedAt, now), cancellationToken);
    }

    /// <summary>
    /// Adds <paramref name="delta"/> to the project's usage, unless <paramref name="enforce"/> and it would pass the limit;
    /// one UPDATE that answers what it left, or null when it changed nothing (over the limit, or no quota row).
    /// </summary>
    private async Task<QuotaLevel?> AddUsedAsync(long projectId, long delta, bool enforce, DateTime now, CancellationToken cancellationToken)
    {
        var levels = await db.Database.SqlQuery<QuotaLevel>($"""
            UPDATE quotas SET "Used" = "Used" + {delta}, "UpdatedAt" = {now}
            WHERE "ProjectId" = {projectId} AND ({(enforce ? 1 : 0)} = 0 OR "Hard" < 0 OR "Used" + {delta} <= "Hard")
            RETURNING "Used", "Hard"
            """).ToListAsync(cancellationToken);
        return levels.Count == 0 ? null : levels[0];
    }

    private IQueryable<Blob> Missing(long projectId, IReadOnlyCollection<long> blobIds) =>
        db.Blobs.Where(b => blobIds.Contains(b.Id) && !db.ProjectBlobs.Any(pb => pb.ProjectId == projectId && pb.BlobId == b.Id));

    private sealed record ProjectRef(long Id, string Name);

    private sealed record Charge(long Id, long Size);

    /// <summary>A quota row's usage and limit, as an UPDATE's RETURNING gives them.</summary>
    private sealed class QuotaLevel
    {
        public long Used { get; set; }

        public long Hard { get; set; }
    }
}

/// <summary>A quota as Harbor's API shows it, with the project it belongs to.</summary>
public sealed class QuotaView
{
    public long Id { get; init; }

    public long ProjectId { get; init; }

    public required string ProjectName { get; init; }

    public string? OwnerName { get; init; }

    public long Hard { get; init; }

    public long Used { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }
}
