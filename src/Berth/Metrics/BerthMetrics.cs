using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Metrics;

/// <summary>Berth's own instruments, on a meter from the application's <see cref="IMeterFactory"/> (so OpenTelemetry could export them too).</summary>
/// <remarks>Request counts and latencies come from ASP.NET Core's own <c>http.server.request.duration</c>; Berth adds the route of <c>/v2/</c> requests to it.</remarks>
public sealed class BerthMetrics
{
    public const string MeterName = "Berth";

    /// <summary>The tag that names a <c>/v2/</c> operation's route, which ASP.NET Core only knows as its catch-all.</summary>
    public const string RouteTag = "berth.route";

    public BerthMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        RequestBodyBytes = meter.CreateCounter<long>("berth.http.server.request.body.size", "By", "Bytes received in request bodies");
        ResponseBodyBytes = meter.CreateCounter<long>("berth.http.server.response.body.size", "By", "Bytes sent in response bodies");
        JobsCompleted = meter.CreateCounter<long>("berth.jobs.completed", "{job}", "Job attempts by kind and outcome");
        TransientAborts = meter.CreateCounter<long>("berth.database.transient_aborts", "{transaction}",
            "Database work aborted as a deadlock's victim or a serialization failure, by operation and outcome");
    }

    public Counter<long> RequestBodyBytes { get; }

    public Counter<long> ResponseBodyBytes { get; }

    /// <summary>Job attempts that ended: <c>succeeded</c>, <c>retrying</c> (failed, tried again later), <c>failed</c> (for good), <c>released</c> (shutdown).</summary>
    public Counter<long> JobsCompleted { get; }

    /// <summary>Database work the database aborted (a deadlock's victim, a serialization failure): <c>retried</c>, or <c>gave_up</c> (the error reached the caller).</summary>
    public Counter<long> TransientAborts { get; }

    /// <summary>Names the <c>/v2/</c> route of this request in its metrics.</summary>
    public static void SetRoute(HttpContext context, string route) =>
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new KeyValuePair<string, object?>(RouteTag, route));

    /// <summary>Counts body bytes a handler streamed without a <c>Content-Length</c> (a chunked upload), for the request's metrics.</summary>
    public static void AddReceived(HttpContext context, long bytes)
    {
        if (context.Features.Get<BodyBytes>() is { } counted)
        {
            counted.Received += bytes;
        }
    }

    /// <summary>Per-request tally the metrics middleware reads when the request ends.</summary>
    public sealed class BodyBytes
    {
        public long Received { get; set; }
    }
}
