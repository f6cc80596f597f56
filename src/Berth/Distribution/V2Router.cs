using Berth.Auth;
using Berth.Distribution.Blobs;
using Berth.Distribution.Catalog;
using Berth.Distribution.Manifests;
using Berth.Distribution.Referrers;
using Berth.Distribution.Tags;
using Berth.Distribution.Uploads;
using Berth.Oci;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Distribution;

/// <summary>The one entry point of <c>/v2/</c>: takes the path apart, hands it to its feature, and maps errors.</summary>
/// <remarks>
/// Repository names hold slashes, so routes are matched from the end of the path (as distribution's router does)
/// rather than by ASP.NET route templates. Dot segments are refused on the raw request target by
/// <see cref="UseV2PathGuard"/>, before Kestrel's normalisation could turn <c>a/../b</c> into another name.
/// </remarks>
public static partial class V2Router
{
    public static IEndpointRouteBuilder MapV2(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/v2", HandleAsync);
        endpoints.Map("/v2/{**path}", HandleAsync);
        return endpoints;
    }

    /// <summary>
    /// Refuses <c>/v2/</c> requests whose raw target has a dot segment, before Kestrel's normalisation turns
    /// <c>/v2/a/../../x</c> into some other path (possibly outside <c>/v2/</c> altogether).
    /// </summary>
    public static IApplicationBuilder UseV2PathGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && raw.StartsWith("/v2", StringComparison.OrdinalIgnoreCase) && HasDotSegment(raw))
        {
            context.Response.Headers[OciResults.ApiVersionHeader] = OciResults.ApiVersion;
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.NameInvalid, "the path holds a '.' or '..' segment"));
            return;
        }

        await next(context);
    });

    private static async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers[OciResults.ApiVersionHeader] = OciResults.ApiVersion;
        try
        {
            await DispatchAsync(context);
        }
        catch (DistributionException ex)
        {
            await OciResults.WriteErrorAsync(context, ex.Error);
        }
        catch (Projects.Immutability.ImmutableTagException ex)
        {
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Precondition, ex.Message));
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; whatever it was sending has been rolled back by the handler.
        }
        catch (Exception ex) when (!context.Response.HasStarted && Api.Unavailable.DependencyOf(ex) is { } dependency)
        {
            // The blob store or the database is down or stalls: the client may retry.
            await Api.Unavailable.WriteAsync(context, dependency, ex);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own verdict on the request (a body shorter than its Content-Length, say).
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.BlobUploadInvalid, ex.Message, status: ex.StatusCode));
        }
        catch (Exception ex) when (!context.Response.HasStarted && Api.DatabaseErrors.IsBadText(ex))
        {
            context.Response.Clear();
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.NameInvalid, "the request holds characters that cannot be stored (such as NUL)", status: 400));
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            LogFailure(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(V2Router)),
                ex, context.Request.Method, context.Request.Path);
            context.Response.Clear(); // headers set for a success that did not happen (length, digest) must not go out
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unknown, "the registry failed to handle the request; see its log"));
        }
    }

    private static async Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        path = path.Length <= "/v2/".Length ? "" : path["/v2/".Length..];
        var route = V2Route.Parse(path)
            ?? throw DistributionException.Of(ErrorCode.NameUnknown, "no such endpoint in the distribution API", status: 404);
        if (route.Kind is not (V2RouteKind.Base or V2RouteKind.Catalog))
        {
            RequireName(route);
        }

        Metrics.BerthMetrics.SetRoute(context, RouteLabel(route.Kind));
        await RegistryAuthorization.AuthorizeAsync(context, route);
        await (route.Kind switch
        {
            V2RouteKind.Base => BaseAsync(context),
            V2RouteKind.Catalog => CatalogEndpoints.HandleAsync(context),
            V2RouteKind.Tags => TagEndpoints.HandleAsync(context, route.Name),
            V2RouteKind.Manifest => ManifestEndpoints.HandleAsync(context, route.Name, route.Argument),
            V2RouteKind.Blob => BlobEndpoints.HandleAsync(context, route.Name, route.Argument),
            V2RouteKind.Uploads => UploadEndpoints.HandleStartAsync(context, route.Name),
            V2RouteKind.Upload => UploadEndpoints.HandleSessionAsync(context, route.Name, route.Argument),
            V2RouteKind.Referrers => ReferrerEndpoints.HandleAsync(context, route.Name, route.Argument),
            _ => throw new InvalidOperationException($"unrouted {route.Kind}"),
        });
    }

    /// <summary>The route a request's metrics name: the spec's endpoint template, never the repository (unbounded).</summary>
    private static string RouteLabel(V2RouteKind kind) => kind switch
    {
        V2RouteKind.Base => "/v2/",
        V2RouteKind.Catalog => "/v2/_catalog",
        V2RouteKind.Tags => "/v2/{name}/tags/list",
        V2RouteKind.Manifest => "/v2/{name}/manifests/{reference}",
        V2RouteKind.Blob => "/v2/{name}/blobs/{digest}",
        V2RouteKind.Uploads => "/v2/{name}/blobs/uploads/",
        V2RouteKind.Upload => "/v2/{name}/blobs/uploads/{reference}",
        V2RouteKind.Referrers => "/v2/{name}/referrers/{digest}",
        _ => "/v2/{**path}",
    };

    private static Task BaseAsync(HttpContext context)
    {
        Methods.Require(context, "GET", "HEAD");
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 2;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("{}");
    }

    private static string RequireName(V2Route route) => RepositoryName.IsValid(route.Name)
        ? route.Name
        : throw DistributionException.Of(ErrorCode.NameInvalid,
            "repository name must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((.|_|__|-+)[a-z0-9]+)*)* and be at most 255 characters",
            route.Name.Length > 300 ? null : route.Name);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, PathString path);

    /// <summary>Whether the raw path has a <c>.</c> or <c>..</c> segment, in plain or percent-encoded form.</summary>
    internal static bool HasDotSegment(string? rawTarget)
    {
        if (string.IsNullOrEmpty(rawTarget))
        {
            return false;
        }

        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = query >= 0 ? rawTarget[..query] : rawTarget;
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(rawPath);
        }
        catch (UriFormatException)
        {
            return true;
        }

        foreach (var segment in decoded.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
