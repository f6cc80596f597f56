using System.Text;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Metrics;

/// <summary><c>GET /metrics</c>: the collected instruments and, read from the database at each scrape, storage per project and the job queue.</summary>
/// <remarks>Database figures are shared by every replica; request and job figures are this replica's own, as Prometheus expects of each target.</remarks>
public static class MetricsEndpoints
{
    public static IServiceCollection AddBerthMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section);
        services.AddSingleton<BerthMetrics>();
        services.AddSingleton<MetricsCollector>();
        return services;
    }

    /// <summary>Starts collecting (before the first request) and counts body bytes; nothing when metrics are off.</summary>
    public static IApplicationBuilder UseMetrics(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return app;
        }

        app.ApplicationServices.GetRequiredService<MetricsCollector>();
        return app.UseMiddleware<MetricsMiddleware>();
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            endpoints.MapGet("/metrics", ScrapeAsync).AddEndpointFilter<ApiErrorFilter>();
        }

        return endpoints;
    }

    private static async Task ScrapeAsync(HttpContext context, MetricsCollector collector, BerthDbContext db, IOptions<MetricsOptions> options)
    {
        if (!options.Value.AllowAnonymous)
        {
            await ApiPrincipal.RequireSystemAsync(context, Rbac.JobServiceMonitor, Rbac.List);
        }

        var output = new StringBuilder();
        collector.Write(output);
        await WriteStorageAsync(output, db, context.RequestAborted);
        await WriteQueueAsync(output, db, context.RequestAborted);
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(output.ToString(), context.RequestAborted);
    }

    private static async Task WriteStorageAsync(StringBuilder output, BerthDbContext db, CancellationToken cancellationToken)
    {
        var quotas = await (from q in db.Quotas.AsNoTracking()
                            join p in db.Projects on q.ProjectId equals p.Id
                            orderby p.Name
                            select new { p.Name, q.Used, q.Hard }).ToListAsync(cancellationToken);
        MetricsCollector.Header(output, "berth_project_storage_used_bytes", "gauge", "Storage a project's quota counts: each distinct blob once");
        foreach (var quota in quotas)
        {
            Gauge(output, "berth_project_storage_used_bytes", quota.Used, ("project", quota.Name));
        }

        MetricsCollector.Header(output, "berth_project_storage_limit_bytes", "gauge", "A project's storage limit; -1 for none");
        foreach (var quota in quotas)
        {
            Gauge(output, "berth_project_storage_limit_bytes", quota.Hard, ("project", quota.Name));
        }
    }

    private static async Task WriteQueueAsync(StringBuilder output, BerthDbContext db, CancellationToken cancellationToken)
    {
        var depth = await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Pending || j.State == JobState.Running)
            .GroupBy(j => new { j.Kind, j.State }).Select(g => new { g.Key.Kind, g.Key.State, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        MetricsCollector.Header(output, "berth_jobs_queue_depth", "gauge", "Jobs waiting (pending) or under way (running), by kind");
        foreach (var row in depth.OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.State))
        {
            Gauge(output, "berth_jobs_queue_depth", row.Count, ("kind", row.Kind), ("state", row.State == JobState.Pending ? "pending" : "running"));
        }
    }

    private static void Gauge(StringBuilder output, string name, long value, params (string Name, string Value)[] labels)
    {
        var text = new StringBuilder();
        foreach (var (label, labelValue) in labels)
        {
            MetricsCollector.Label(text, label, labelValue);
        }

        output.Append(name).Append('{').Append(text).Append("} ").Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
    }
}
