using Microsoft.AspNetCore.Http.Features;

namespace Berth.Metrics;

/// <summary>Records each request's body sizes, by route, once the response is done.</summary>
/// <remarks>
/// A body with a known length counts that length; a chunked upload counts what the upload handler stored. Responses
/// count their <c>Content-Length</c> (every blob and manifest has one); a HEAD sends no body.
/// </remarks>
public sealed class MetricsMiddleware(RequestDelegate next, BerthMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var counted = new BerthMetrics.BodyBytes();
        context.Features.Set(counted);
        try
        {
            await next(context);
        }
        finally
        {
            var route = RouteOf(context);
            var received = counted.Received > 0 ? counted.Received : context.Request.ContentLength ?? 0;
            if (received > 0)
            {
                metrics.RequestBodyBytes.Add(received, new KeyValuePair<string, object?>("route", route));
            }

            if (!HttpMethods.IsHead(context.Request.Method) && context.Response.ContentLength is > 0 and var sent && context.Response.HasStarted)
            {
                metrics.ResponseBodyBytes.Add(sent, new KeyValuePair<string, object?>("route", route));
            }
        }
    }

    /// <summary>The route label: Berth's <c>/v2/</c> route, else the endpoint's pattern, else <c>unmatched</c> (never the raw path: unbounded).</summary>
    public static string RouteOf(HttpContext context)
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
        {
            foreach (var tag in tags.Tags)
            {
                if (tag.Key == BerthMetrics.RouteTag && tag.Value is string route)
                {
                    return route;
                }
            }
        }

        return (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
    }
}
