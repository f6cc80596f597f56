using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>The body of <c>POST /retentions/{id}/executions</c>.</summary>
public sealed class RetentionRunRequest
{
    [JsonPropertyName("dry_run")]
    public bool DryRun { get; set; }
}

/// <summary>The body of <c>PATCH /retentions/{id}/executions/{eid}</c>; only <c>stop</c> exists.</summary>
public sealed class RetentionOperationRequest
{
    [JsonPropertyName("action")]
    public string? Action { get; set; }
}

/// <summary><c>/api/v2.0/retentions/{id}/executions</c>: run a policy now, list its runs, stop one, and read each repository's task and log.</summary>
public static class RetentionExecutionEndpoints
{
    public static RouteGroupBuilder MapRetentionExecutions(this RouteGroupBuilder group)
    {
        group.MapPost("/{id:long}/executions", RunAsync);
        group.MapGet("/{id:long}/executions", ListAsync);
        group.MapPatch("/{id:long}/executions/{eid:long}", OperateAsync);
        group.MapGet("/{id:long}/executions/{eid:long}/tasks", ListTasksAsync);
        group.MapGet("/{id:long}/executions/{eid:long}/tasks/{tid:long}", LogAsync);
        return group;
    }

    private static async Task RunAsync(HttpContext context, RetentionLauncher launcher, long id)
    {
        // Harbor asks for "update" to run a policy.
        var (_, policy) = await RetentionAccess.PolicyAsync(context, id, Rbac.Update);
        var request = await ApiJson.ReadAsync<RetentionRunRequest>(context);
        var execution = await launcher.StartAsync(policy, ExecutionStore.Manual, request.DryRun, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/api/v2.0/retentions/{id.ToString(CultureInfo.InvariantCulture)}/executions/"
            + execution.Id.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task ListAsync(HttpContext context, BerthDbContext db, long id)
    {
        await RetentionAccess.PolicyAsync(context, id, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = Executions(db, id);
        var total = await query.CountAsync(context.RequestAborted);
        var page = await query.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        page.ForEach(e => WriteExecution(writer, e));
        writer.WriteEndArray();
    }

    /// <summary>
    /// Stops what has not started: pending repositories are not processed, and the execution ends as Stopped once the
    /// ones already running finish (each of their deletes is complete on its own, so none is cut in half).
    /// </summary>
    private static async Task OperateAsync(HttpContext context, BerthDbContext db, ExecutionStore executions, long id, long eid)
    {
        await RetentionAccess.PolicyAsync(context, id, Rbac.Update);
        var request = await ApiJson.ReadAsync<RetentionOperationRequest>(context);
        if (request.Action != "stop")
        {
            throw ApiException.BadRequest("action should be 'stop'");
        }

        var execution = await FindAsync(db, id, eid, context.RequestAborted);
        if (ExecutionStore.IsFinal(execution.Status))
        {
            // Harbor answers a stop of a finished execution with 200: there is nothing left to stop.
            return;
        }

        if (await executions.StopAsync(eid, context.RequestAborted) == 0)
        {
            throw ApiException.BadRequest(
                $"retention execution {eid} has no repository left waiting; the ones being processed cannot be interrupted and finish on their own");
        }
    }

    private static async Task ListTasksAsync(HttpContext context, BerthDbContext db, long id, long eid)
    {
        await RetentionAccess.PolicyAsync(context, id, Rbac.List);
        await FindAsync(db, id, eid, context.RequestAborted);
        var paging = ApiPaging.From(context.Request);
        var query = db.ExecutionTasks.AsNoTracking().Where(t => t.ExecutionId == eid);
        var total = await query.CountAsync(context.RequestAborted);
        var page = await query.OrderBy(t => t.Id).Skip(paging.Skip).Take(paging.PageSize)
            .Select(t => new { Task = t, JobId = db.Jobs.Where(j => j.TaskId == t.Id).Select(j => (long?)j.Id).FirstOrDefault() })
            .ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        page.ForEach(t => WriteTask(writer, t.Task, t.JobId));
        writer.WriteEndArray();
    }

    /// <summary>One repository's log: what was retained and what was (or would be) deleted.</summary>
    private static async Task LogAsync(HttpContext context, BerthDbContext db, long id, long eid, long tid)
    {
        await RetentionAccess.PolicyAsync(context, id, Rbac.Read);
        await FindAsync(db, id, eid, context.RequestAborted);
        var log = await db.ExecutionTasks.AsNoTracking().Where(t => t.Id == tid && t.ExecutionId == eid).Select(t => t.Log)
            .FirstOrDefaultAsync(context.RequestAborted) ?? throw ApiException.NotFound($"task {tid} of retention execution {eid} not found");
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(log, context.RequestAborted);
    }

    private static IQueryable<Execution> Executions(BerthDbContext db, long policyId) =>
        db.Executions.AsNoTracking().Where(e => e.VendorType == RetentionJobHandler.VendorType && e.VendorId == policyId);

    private static async Task<Execution> FindAsync(BerthDbContext db, long policyId, long executionId, CancellationToken cancellationToken) =>
        await Executions(db, policyId).FirstOrDefaultAsync(e => e.Id == executionId, cancellationToken)
        ?? throw ApiException.NotFound($"retention execution {executionId} of policy {policyId} not found");

    /// <summary>Harbor's <c>RetentionExecution</c>.</summary>
    private static void WriteExecution(Utf8JsonWriter writer, Execution execution)
    {
        using var attributes = JsonDocument.Parse(execution.ExtraAttrs);
        writer.WriteStartObject();
        writer.WriteNumber("id", execution.Id);
        writer.WriteNumber("policy_id", execution.VendorId ?? 0);
        writer.WriteString("start_time", ApiJson.Time(execution.StartTime));
        if (execution.EndTime is { } end)
        {
            writer.WriteString("end_time", ApiJson.Time(end));
        }

        writer.WriteString("status", Status(execution.Status));
        writer.WriteString("trigger", execution.Trigger);
        writer.WriteBoolean("dry_run", attributes.RootElement.TryGetProperty("dry_run", out var dry) && dry.ValueKind == JsonValueKind.True);
        writer.WriteEndObject();
    }

    /// <summary>Harbor's <c>RetentionExecutionTask</c>: one repository, its counts (0 until it has run) and its job.</summary>
    private static void WriteTask(Utf8JsonWriter writer, ExecutionTask task, long? jobId)
    {
        using var attributes = JsonDocument.Parse(task.ExtraAttrs);
        var root = attributes.RootElement;
        writer.WriteStartObject();
        writer.WriteNumber("id", task.Id);
        writer.WriteNumber("execution_id", task.ExecutionId);
        writer.WriteString("repository", root.TryGetProperty("repository", out var repository) ? repository.GetString() : "");
        writer.WriteString("job_id", jobId?.ToString(CultureInfo.InvariantCulture) ?? "");
        writer.WriteString("status", Status(task.Status));
        // Harbor's job status codes: 0 pending, 2 running, 3 for every final status.
        writer.WriteNumber("status_code", task.Status switch { ExecutionStatus.Pending => 0, ExecutionStatus.Running => 2, _ => 3 });
        writer.WriteNumber("status_revision", new DateTimeOffset(DateTime.SpecifyKind(task.UpdateTime, DateTimeKind.Utc)).ToUnixTimeSeconds());
        if (task.StartTime is { } start)
        {
            writer.WriteString("start_time", ApiJson.Time(start));
        }

        if (task.EndTime is { } end)
        {
            writer.WriteString("end_time", ApiJson.Time(end));
        }

        writer.WriteNumber("total", Count(root, "total"));
        writer.WriteNumber("retained", Count(root, "retained"));
        writer.WriteEndObject();
    }

    private static long Count(JsonElement attributes, string name) =>
        attributes.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static string Status(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Pending => "Pending",
        ExecutionStatus.Running => "Running",
        ExecutionStatus.Success => "Success",
        ExecutionStatus.Error => "Error",
        _ => "Stopped",
    };
}
