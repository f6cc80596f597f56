using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Berth.Api;

/// <summary>What a database error means for the request, the same for SQLite and PostgreSQL.</summary>
public static class DatabaseErrors
{
    /// <summary>Text the database cannot store (PostgreSQL refuses NUL characters): the caller's input was bad, a 400.</summary>
    public static bool IsBadText(Exception exception) => SqlState(exception) is "22021" or "22P05";

    /// <summary>A deadlock or serialization failure: nothing was written, and the same work run again succeeds.</summary>
    public static bool IsTransient(Exception exception) => SqlState(exception) is "40P01" or "40001";

    private static string? SqlState(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException { SqlState: { } state })
            {
                return state;
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="work"/> (one transaction) again when the database aborted it as a deadlock victim, a few times.</summary>
    /// <remarks>PostgreSQL under READ COMMITTED picks a victim when concurrent pushes lock the same rows in different orders; SQLite serialises writers and never gets here.</remarks>
    public static async Task<T> RetryTransientAsync<T>(DbContext db, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception e) when (attempt < 5 && IsTransient(e) && db.Database.CurrentTransaction is null)
            {
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50) * attempt), cancellationToken);
            }
        }
    }
}
