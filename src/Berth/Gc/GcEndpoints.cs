using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Berth.Gc;

/// <summary>Harbor's GC request: <c>{"schedule":{"type":…,"cron":…},"parameters":{…}}</c>.</summary>
public sealed class GcScheduleRequest
{
    [JsonPropertyName("schedule")]
    public GcScheduleObject? Schedule { get; set; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, JsonElement>? Parameters { get; set; }
}

public sealed class GcScheduleObject
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("cron")]
    public string? Cron { get; set; }
}

/// <summary><c>/api/v2.0/system/gc</c>: run GC now, schedule it, and read its history and logs. System administrators only.</summary>
public static class GcEndpoints
{
    public const string ScheduleName = "gc";
    private const string Hourly = "0 0 * * * *";
    private const string Daily = "0 0 0 * * *";
    private const string Weekly = "0 0 0 * * 0";

    public static IEndpointRouteBuilder MapGc(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/system/gc").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapGet("/schedule", GetScheduleAsync);
        group.MapPost("/schedule", (HttpContext context) => SetScheduleAsync(context, create: true));
        group.MapPut("/schedule", (HttpContext context) => SetScheduleAsync(context, create: false));
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", StopAsync);
        group.MapGet("/{id:long}/log", LogAsync);
        return endpoints;
    }

    private static async Task SetScheduleAsync(HttpContext context, bool create)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, create ? Rbac.Create : Rbac.Update);
        var request = await ApiJson.ReadAsync<GcScheduleRequest>(context);
        var payload = JobJson.Serialize(ReadParameters(request.Parameters));
        var services = context.RequestServices;
        var type = request.Schedule?.Type ?? throw ApiException.BadRequest("schedule.type is required");
        if (type == "Manual")
        {
            var execution = await services.GetRequiredService<ExecutionStore>()
                .StartAsync(GcJobHandler.VendorType, null, ExecutionStore.Manual, GcJobHandler.JobKind, payload, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.Headers.Location = "/api/v2.0/system/gc/" + execution.Id.ToString(CultureInfo.InvariantCulture);
            return;
        }

        var schedules = services.GetRequiredService<ScheduleStore>();
        if (type == "None")
        {
            await schedules.RemoveAsync(ScheduleName, context.RequestAborted);
            context.Response.StatusCode = create ? StatusCodes.Status201Created : StatusCodes.Status200OK;
            return;
        }

        var cron = type switch
        {
            "Hourly" => Hourly,
            "Daily" => Daily,
            "Weekly" => Weekly,
            "Custom" or "Schedule" when Cron.TryParse(request.Schedule!.Cron, out var parsed) => parsed.Expression,
            "Custom" or "Schedule" => throw ApiException.BadRequest("schedule.cron must be a six-field cron expression (seconds first)"),
            _ => throw ApiException.BadRequest($"schedule.type must be Hourly, Daily, Weekly, Custom, Schedule, Manual or None, not '{type}'"),
        };
        if (create && await schedules.FindAsync(ScheduleName, context.RequestAborted) is not null)
        {
            throw ApiException.Conflict("a GC schedule exists already; update it with PUT");
        }

        await schedules.EnsureAsync(ScheduleName, cron, null, GcJobHandler.JobKind, payload, GcJobHandler.VendorType, context.RequestAborted);
        context.Response.StatusCode = create ? StatusCodes.Status201Created : StatusCodes.Status200OK;
    }

    /// <summary>Harbor answers 200 with an empty body when no schedule exists.</summary>
    private static async Task GetScheduleAsync(HttpContext context, ScheduleStore schedules)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, Rbac.Read);
        if (await schedules.FindAsync(ScheduleName, context.RequestAborted) is not { } schedule)
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("id", schedule.Id);
        writer.WriteString("status", "Scheduled");
        writer.WriteString("creation_time", ApiJson.Time(schedule.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(schedule.UpdatedAt));
        writer.WriteStartObject("schedule");
        writer.WriteString("type", schedule.Cron switch { Hourly => "Hourly", Daily => "Daily", Weekly => "Weekly", _ => "Custom" });
        writer.WriteString("cron", schedule.Cron);
        writer.WriteString("next_scheduled_time", ApiJson.Time(schedule.NextRunAt));
        writer.WriteEndObject();
        writer.WritePropertyName("parameters");
        writer.WriteRawValue(schedule.Payload);
        writer.WriteEndObject();
    }

    private static async Task ListAsync(HttpContext context, BerthDbContext db)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = db.Executions.AsNoTracking().Where(e => e.VendorType == GcJobHandler.VendorType);
        var total = await query.CountAsync(context.RequestAborted);
        var page = await query.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        page.ForEach(e => Write(writer, e));
        writer.WriteEndArray();
    }

    private static async Task GetAsync(HttpContext context, BerthDbContext db, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, Rbac.Read);
        var execution = await FindAsync(db, id, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        Write(writer, execution);
    }

    private static async Task LogAsync(HttpContext context, BerthDbContext db, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, Rbac.Read);
        var execution = await FindAsync(db, id, context.RequestAborted);
        var log = await db.ExecutionTasks.AsNoTracking().Where(t => t.ExecutionId == execution.Id).OrderBy(t => t.Id)
            .Select(t => t.Log).ToListAsync(context.RequestAborted);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(string.Concat(log), context.RequestAborted);
    }

    /// <summary>Stops a GC that has not started yet. One already running finishes: its deletes are each safe to complete.</summary>
    private static async Task StopAsync(HttpContext context, BerthDbContext db, TimeProvider clock, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.GarbageCollection, Rbac.Stop);
        var execution = await FindAsync(db, id, context.RequestAborted);
        if (execution.Status != ExecutionStatus.Pending)
        {
            throw ApiException.BadRequest($"GC {id} is {Status(execution.Status)}; only a pending one can be stopped");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var taskIds = await db.ExecutionTasks.Where(t => t.ExecutionId == id).Select(t => t.Id).ToListAsync(context.RequestAborted);
        await using var transaction = await db.Database.BeginTransactionAsync(context.RequestAborted);
        var cancelled = await db.Jobs.Where(j => j.TaskId != null && taskIds.Contains(j.TaskId.Value) && j.State == JobState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Cancelled).SetProperty(j => j.UpdatedAt, now), context.RequestAborted);
        if (cancelled == 0)
        {
            throw ApiException.BadRequest($"GC {id} has just started; it can no longer be stopped");
        }

        await db.ExecutionTasks.Where(t => t.ExecutionId == id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, ExecutionStatus.Stopped).SetProperty(t => t.EndTime, now), context.RequestAborted);
        await db.Executions.Where(e => e.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExecutionStatus.Stopped).SetProperty(e => e.EndTime, now), context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
    }

    private static async Task<Execution> FindAsync(BerthDbContext db, long id, CancellationToken cancellationToken) =>
        await db.Executions.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id && e.VendorType == GcJobHandler.VendorType, cancellationToken)
        ?? throw ApiException.NotFound($"GC {id} not found");

    private static GcParameters ReadParameters(Dictionary<string, JsonElement>? parameters)
    {
        var result = new GcParameters();
        if (parameters is null)
        {
            return result;
        }

        if (parameters.TryGetValue("delete_untagged", out var untagged))
        {
            result.DeleteUntagged = untagged.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? untagged.GetBoolean()
                : throw ApiException.BadRequest("delete_untagged must be true or false");
        }

        if (parameters.TryGetValue("dry_run", out var dry))
        {
            result.DryRun = dry.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? dry.GetBoolean()
                : throw ApiException.BadRequest("dry_run must be true or false");
        }

        if (parameters.TryGetValue("workers", out var workers))
        {
            if (workers.ValueKind != JsonValueKind.Number || !workers.TryGetInt32(out var count) || count is < 0 or > 10)
            {
                throw ApiException.BadRequest("workers must be from 1 to 10");
            }

            result.Workers = Math.Max(1, count);
        }

        return result;
    }

    /// <summary>Harbor's <c>GCHistory</c>.</summary>
    private static void Write(Utf8JsonWriter writer, Execution execution)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", execution.Id);
        writer.WriteString("job_name", "GARBAGE_COLLECTION");
        writer.WriteString("job_kind", execution.Trigger == ExecutionStore.Manual ? "MANUAL" : "SCHEDULE");
        writer.WriteString("job_parameters", execution.ExtraAttrs);
        writer.WriteStartObject("schedule");
        writer.WriteString("type", execution.Trigger == ExecutionStore.Manual ? "Manual" : "Custom");
        writer.WriteEndObject();
        writer.WriteString("job_status", Status(execution.Status));
        writer.WriteBoolean("deleted", false);
        writer.WriteString("creation_time", ApiJson.Time(execution.StartTime));
        writer.WriteString("update_time", ApiJson.Time(execution.EndTime ?? execution.StartTime));
        writer.WriteEndObject();
    }

    private static string Status(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Pending => "Pending",
        ExecutionStatus.Running => "Running",
        ExecutionStatus.Success => "Success",
        ExecutionStatus.Error => "Error",
        _ => "Stopped",
    };
}
