using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Webhooks;

/// <summary>A webhook policy's deliveries: <c>…/policies/{id}/executions</c> (one per event), their tasks (one per target) and each task's log.</summary>
/// <remarks>Reading them takes the policy's read permission, as in Harbor.</remarks>
public static class WebhookExecutionEndpoints
{
    private static readonly QueryFields<Execution> Fields = new QueryFields<Execution>()
        .Number("id", e => e.Id)
        .Time("start_time", e => e.StartTime)
        .Sortable("id", e => e.Id)
        .Sortable("start_time", e => e.StartTime)
        .DefaultOrder("id", new QuerySort("id", true));

    public static RouteGroupBuilder MapWebhookExecutions(this RouteGroupBuilder group)
    {
        group.MapGet("/policies/{policyId:long}/executions", ListAsync);
        group.MapGet("/policies/{policyId:long}/executions/{executionId:long}/tasks", ListTasksAsync);
        group.MapGet("/policies/{policyId:long}/executions/{executionId:long}/tasks/{taskId:long}/log", LogAsync);
        return group;
    }

    private static async Task ListAsync(HttpContext context, BerthDbContext db, WebhookPolicyStore policies, string projectNameOrId, long policyId)
    {
        await PolicyAsync(context, policies, projectNameOrId, policyId);
        var query = HarborQuery.From(context.Request);
        var paging = ApiPaging.From(context.Request);
        var executions = Fields.Filter(Executions(db, policyId), query);
        var total = await executions.CountAsync(context.RequestAborted);
        var page = await Fields.Sort(executions, query).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        var ids = page.Select(e => e.Id).ToList();
        var counts = (await db.ExecutionTasks.AsNoTracking().Where(t => ids.Contains(t.ExecutionId))
                .GroupBy(t => new { t.ExecutionId, t.Status }).Select(g => new { g.Key.ExecutionId, g.Key.Status, Count = g.Count() })
                .ToListAsync(context.RequestAborted))
            .ToLookup(c => c.ExecutionId);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            foreach (var execution in page)
            {
                WriteExecution(writer, execution, counts[execution.Id].ToDictionary(c => c.Status, c => c.Count));
            }

            writer.WriteEndArray();
        });
    }

    private static async Task ListTasksAsync(HttpContext context, BerthDbContext db, WebhookPolicyStore policies, string projectNameOrId, long policyId,
        long executionId)
    {
        await PolicyAsync(context, policies, projectNameOrId, policyId);
        await ExecutionAsync(db, policyId, executionId, context.RequestAborted);
        var paging = ApiPaging.From(context.Request);
        HarborQuery.From(context.Request);
        var tasks = db.ExecutionTasks.AsNoTracking().Where(t => t.ExecutionId == executionId);
        var total = await tasks.CountAsync(context.RequestAborted);
        var page = await tasks.OrderBy(t => t.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(t => WriteTask(writer, t));
            writer.WriteEndArray();
        });
    }

    private static async Task LogAsync(HttpContext context, BerthDbContext db, WebhookPolicyStore policies, string projectNameOrId, long policyId,
        long executionId, long taskId)
    {
        await PolicyAsync(context, policies, projectNameOrId, policyId);
        await ExecutionAsync(db, policyId, executionId, context.RequestAborted);
        var log = await db.ExecutionTasks.AsNoTracking().Where(t => t.Id == taskId && t.ExecutionId == executionId).Select(t => t.Log)
            .FirstOrDefaultAsync(context.RequestAborted) ?? throw ApiException.NotFound($"task {taskId} not found in execution {executionId}");
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(log, context.RequestAborted);
    }

    private static async Task PolicyAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId, long policyId)
    {
        var project = await WebhookEndpoints.ProjectAsync(context, projectNameOrId, Rbac.Read);
        await policies.GetAsync(project.ProjectId, policyId, context.RequestAborted);
    }

    private static IQueryable<Execution> Executions(BerthDbContext db, long policyId) =>
        db.Executions.AsNoTracking().Where(e => e.VendorType == WebhookConsumer.VendorType && e.VendorId == policyId);

    private static async Task ExecutionAsync(BerthDbContext db, long policyId, long executionId, CancellationToken cancellationToken)
    {
        if (!await Executions(db, policyId).AnyAsync(e => e.Id == executionId, cancellationToken))
        {
            throw ApiException.NotFound($"execution {executionId} not found in policy {policyId}");
        }
    }

    /// <summary>Harbor's <c>Execution</c>, with its task counts as <c>metrics</c>.</summary>
    private static void WriteExecution(Utf8JsonWriter writer, Execution execution, Dictionary<ExecutionStatus, int> counts)
    {
        int Count(ExecutionStatus status) => counts.GetValueOrDefault(status);
        writer.WriteStartObject();
        writer.WriteNumber("id", execution.Id);
        writer.WriteString("vendor_type", execution.VendorType);
        writer.WriteNumber("vendor_id", execution.VendorId ?? 0);
        writer.WriteString("status", Status(execution.Status));
        writer.WriteString("status_message", execution.StatusMessage ?? "");
        writer.WriteStartObject("metrics");
        writer.WriteNumber("task_count", counts.Values.Sum());
        writer.WriteNumber("success_task_count", Count(ExecutionStatus.Success));
        writer.WriteNumber("error_task_count", Count(ExecutionStatus.Error));
        writer.WriteNumber("pending_task_count", Count(ExecutionStatus.Pending));
        writer.WriteNumber("running_task_count", Count(ExecutionStatus.Running));
        writer.WriteNumber("scheduled_task_count", 0);
        writer.WriteNumber("stopped_task_count", Count(ExecutionStatus.Stopped));
        writer.WriteEndObject();
        writer.WriteString("trigger", execution.Trigger);
        WriteAttributes(writer, execution.ExtraAttrs);
        writer.WriteString("start_time", ApiJson.Time(execution.StartTime));
        if (execution.EndTime is { } end)
        {
            writer.WriteString("end_time", ApiJson.Time(end));
        }

        writer.WriteEndObject();
    }

    /// <summary>Harbor's <c>Task</c>.</summary>
    private static void WriteTask(Utf8JsonWriter writer, ExecutionTask task)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", task.Id);
        writer.WriteNumber("execution_id", task.ExecutionId);
        writer.WriteString("status", Status(task.Status));
        writer.WriteString("status_message", task.StatusMessage ?? "");
        writer.WriteNumber("run_count", task.RunCount);
        WriteAttributes(writer, task.ExtraAttrs);
        writer.WriteString("creation_time", ApiJson.Time(task.CreationTime));
        writer.WriteString("update_time", ApiJson.Time(task.UpdateTime));
        if (task.StartTime is { } start)
        {
            writer.WriteString("start_time", ApiJson.Time(start));
        }

        if (task.EndTime is { } end)
        {
            writer.WriteString("end_time", ApiJson.Time(end));
        }

        writer.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter writer, string json)
    {
        using var attributes = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        writer.WritePropertyName("extra_attrs");
        attributes.RootElement.WriteTo(writer);
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
