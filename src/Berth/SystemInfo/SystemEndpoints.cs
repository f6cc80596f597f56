using System.Text.Json;
using Berth.Api;
using Berth.Data;
using Berth.Hosting;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.SystemInfo;

/// <summary><c>/api/v2.0/ping</c>, <c>/systeminfo</c> and <c>/health</c>, answered as Harbor answers them (no authentication).</summary>
public static class SystemEndpoints
{
    /// <summary>The Harbor API version Berth speaks, reported as <c>harbor_version</c>.</summary>
    public const string HarborVersion = "v2.13.0-berth";

    public static IEndpointRouteBuilder MapSystem(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v2.0/ping", () => Results.Text("Pong", "text/plain"));
        endpoints.MapGet("/api/version", () => Results.Json(new Dictionary<string, string> { ["version"] = "v2.0" }));
        endpoints.MapGet("/api/v2.0/systeminfo", SystemInfoAsync).AddEndpointFilter<ApiErrorFilter>();
        endpoints.MapGet("/api/v2.0/health", HealthAsync);
        return endpoints;
    }

    /// <remarks>Anonymous callers get what Harbor shows before login; signed-in callers also the version, URLs and settings.</remarks>
    private static async Task SystemInfoAsync(HttpContext context, IStorageDriver storage)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var settings = await context.RequestServices.GetRequiredService<Settings.SettingsStore>().GetAsync(context.RequestAborted);
        var external = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.ExternalUrl;
        var url = external?.ToString().TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host}";
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("auth_mode", "db_auth");
        writer.WriteBoolean("primary_auth_mode", false);
        writer.WriteBoolean("self_registration", false);
        writer.WriteString("banner_message", "");
        if (!subject.IsAnonymous)
        {
            writer.WriteString("harbor_version", HarborVersion);
            writer.WriteString("external_url", url);
            writer.WriteString("registry_url", new Uri(url).Authority);
            writer.WriteBoolean("read_only", settings.ReadOnly);
            writer.WriteString("project_creation_restriction", settings.ProjectCreationRestriction);
            writer.WriteBoolean("has_ca_root", false);
            writer.WriteString("registry_storage_provider_name", storage.Name);
            writer.WriteBoolean("notification_enable", settings.NotificationEnable);
            writer.WriteString("current_time", ApiJson.Time(DateTime.UtcNow));
        }

        writer.WriteEndObject();
    }

    /// <summary>Always 200; <c>status</c> is healthy only when every component is.</summary>
    private static async Task HealthAsync(HttpContext context)
    {
        var services = context.RequestServices;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var components = new List<(string Name, string? Error)>
        {
            ("core", null),
            ("database", await CheckAsync(async () =>
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<BerthDbContext>().Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            })),
            ("registry", await CheckAsync(async () =>
            {
                var storage = services.GetRequiredService<IStorageDriver>();
                _ = await storage.StatAsync("/", timeout.Token);
            })),
        };
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("status", components.All(c => c.Error is null) ? "healthy" : "unhealthy");
        writer.WriteStartArray("components");
        foreach (var (name, error) in components)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteString("status", error is null ? "healthy" : "unhealthy");
            if (error is not null)
            {
                writer.WriteString("error", error);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static async Task<string?> CheckAsync(Func<Task> check)
    {
        try
        {
            await check();
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ex.Message;
        }
    }
}
