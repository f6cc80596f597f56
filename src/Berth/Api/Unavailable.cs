using System.Data.Common;
using Berth.Distribution;
using Berth.Oci;
using Berth.Storage;
using Microsoft.Data.Sqlite;

namespace Berth.Api;

/// <summary>
/// A dependency that failed or stalled (the database, the blob store) is an answer, not a crash: 503 with
/// <c>Retry-After</c>, in the protocol's own error format, so that clients retry and Berth recovers when it comes back.
/// </summary>
/// <remarks>
/// Every call to a dependency is bounded (Npgsql's connect and command timeouts, the storage driver's deadlines), so a
/// stalled dependency ends here within that time instead of holding the request.
/// </remarks>
public static partial class Unavailable
{
    /// <summary>What clients are asked to wait before retrying.</summary>
    public const string RetryAfterSeconds = "10";

    public const string Database = "database";
    public const string Storage = "storage";

    /// <summary>Which dependency <paramref name="exception"/> says is unavailable, or null when it says something else.</summary>
    public static string? DependencyOf(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageUnavailableException:
                    return Storage;
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED: a writer held the file too long
                    return Database;
                case DbException db when db.IsTransient || db.SqlState is { } state && IsUnavailableState(state):
                    return Database;
            }
        }

        return null;
    }

    /// <summary>Writes the 503 for a failed dependency (unless the response has started) and logs it.</summary>
    public static async Task WriteAsync(HttpContext context, string dependency, Exception exception)
    {
        LogUnavailable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Unavailable)),
            context.Request.Method, context.Request.Path, dependency, exception.Message);
        if (context.Response.HasStarted)
        {
            context.Abort(); // half a body is out: the client must see a broken response, not a short one
            return;
        }

        context.Response.Clear();
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        var message = dependency == Storage
            ? "the registry's blob storage is unavailable at the moment; retry after the time in Retry-After"
            : "the registry's database is unavailable at the moment; retry after the time in Retry-After";
        var path = context.Request.Path;
        if (path.StartsWithSegments("/v2"))
        {
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unknown, message, status: StatusCodes.Status503ServiceUnavailable));
        }
        else if (path.StartsWithSegments("/api") || path.StartsWithSegments("/service") || path.StartsWithSegments("/c"))
        {
            await HarborErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "SERVICE_UNAVAILABLE", message);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(message + "\n");
        }
    }

    /// <summary>The outermost catch, for what fails before an endpoint's own handling (authentication, read-only mode).</summary>
    public static IApplicationBuilder UseUnavailable(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && DependencyOf(ex) is { } dependency)
        {
            await WriteAsync(context, dependency, ex);
        }
    });

    /// <summary>PostgreSQL's codes for "not now": connection failures (08), too many connections and other resource limits
    /// (53), the server shutting down or starting (57P01–57P03), system errors (58).</summary>
    private static bool IsUnavailableState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal)
        || state is "57P01" or "57P02" or "57P03" || state.StartsWith("58", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: {Dependency} unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string dependency, string reason);
}
