using Berth.Api;
using Berth.Distribution;
using Berth.Oci;

namespace Berth.Settings;

/// <summary>Read-only mode: every request that would change something is refused with Harbor's 403 <c>DENIED</c>; reads go on.</summary>
/// <remarks>
/// As in Harbor, what stays open is what is needed to leave the mode and to sign in: <c>PUT /api/v2.0/configurations</c>,
/// <c>POST /c/login</c>, the token service and <c>/api/v2.0/ping</c>. Jobs that delete (GC, retention, upload purging)
/// refuse to run on their own (<see cref="ReadOnlyModeException"/>).
/// </remarks>
public sealed class ReadOnlyMiddleware(RequestDelegate next, SettingsStore settings)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || IsExempt(request)
            || !(await settings.GetAsync(context.RequestAborted)).ReadOnly)
        {
            await next(context);
            return;
        }

        if (request.Path.StartsWithSegments("/v2", StringComparison.Ordinal))
        {
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Denied, SystemSettings.ReadOnlyMessage, status: 403));
            return;
        }

        await HarborErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "DENIED", SystemSettings.ReadOnlyMessage);
    }

    private static bool IsExempt(HttpRequest request)
    {
        var path = request.Path;
        return (HttpMethods.IsPut(request.Method) && path.Equals("/api/v2.0/configurations", StringComparison.Ordinal))
            || (HttpMethods.IsPost(request.Method) && path.Equals("/c/login", StringComparison.Ordinal))
            || path.StartsWithSegments("/service/token", StringComparison.Ordinal)
            || path.StartsWithSegments("/api/v2.0/ping", StringComparison.Ordinal);
    }
}
