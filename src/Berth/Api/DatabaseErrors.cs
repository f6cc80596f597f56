using System.Data.Common;

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
}
