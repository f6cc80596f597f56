using Berth.Data;
using Berth.Data.Entities;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Blobs;

/// <summary>How a blob row comes to be: pushes insert Ready rows and GC's orphan sweep Deleting claims, racing on the digest's unique index.</summary>
public static class BlobRows
{
    /// <summary>
    /// Inserts the digest's row unless one exists; a row another transaction is inserting and has not committed yet is
    /// waited for (PostgreSQL's unique index, SQLite's write lock) and then counts as existing.
    /// </summary>
    /// <returns>The new row's id, or null when the digest has a row already.</returns>
    public static async Task<long?> TryInsertAsync(BerthDbContext db, Digest digest, long size, BlobState state, DateTime now,
        CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<long>($"""
            INSERT INTO blobs ("Digest", "Size", "State", "CreatedAt", "UpdatedAt")
            VALUES ({digest.Value}, {size}, {(int)state}, {now}, {now})
            ON CONFLICT ("Digest") DO NOTHING RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : ids[0];
    }
}
