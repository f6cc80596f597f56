using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Events;
using Berth.Projects;
using Microsoft.EntityFrameworkCore;

namespace Berth.Webhooks;

/// <summary><c>/api/v2.0/projects/{project_name_or_id}/webhook</c>: a project's webhook policies, the events they may name, and when each last fired.</summary>
/// <remarks>
/// Every route asks the RBAC evaluator for Harbor's <c>notification-policy</c> permission of the project: list, create, read,
/// update, delete (project administrators all; maintainers read and list). As in Harbor, <c>auth_header</c> is returned
/// as it was given: it is the policy owner's own secret, and tools such as Terraform read it back.
/// </remarks>
public static class WebhookEndpoints
{
    private static readonly QueryFields<WebhookPolicy> Fields = new QueryFields<WebhookPolicy>()
        .Number("id", p => p.Id)
        .Text("name", p => p.Name)
        .Boolean("enabled", p => p.Enabled)
        .Time("creation_time", p => p.CreatedAt)
        .Time("update_time", p => p.UpdatedAt)
        .Sortable("id", p => p.Id)
        .Sortable("name", p => p.Name)
        .Sortable("creation_time", p => p.CreatedAt)
        .Sortable("update_time", p => p.UpdatedAt)
        .DefaultOrder("id", new QuerySort("creation_time", true));

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/projects/{projectNameOrId}/webhook").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("/policies", ListAsync);
        group.MapPost("/policies", CreateAsync);
        group.MapGet("/policies/{policyId:long}", GetAsync);
        group.MapPut("/policies/{policyId:long}", UpdateAsync);
        group.MapDelete("/policies/{policyId:long}", DeleteAsync);
        group.MapGet("/events", EventTypesAsync);
        group.MapGet("/lasttrigger", LastTriggerAsync);
        group.MapWebhookExecutions();
        return endpoints;
    }

    /// <summary>The project, if the caller may take <paramref name="action"/> on its webhook policies (Harbor's 401/403/404 otherwise).</summary>
    internal static async Task<ProjectAccess> ProjectAsync(HttpContext context, string projectNameOrId, string action)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var isName = string.Equals(context.Request.Headers["X-Is-Resource-Name"], "true", StringComparison.OrdinalIgnoreCase);
        return await context.RequestServices.GetRequiredService<ProjectService>()
            .RequireAsync(subject, projectNameOrId, isName, Rbac.NotificationPolicy, action, context.RequestAborted);
    }

    private static async Task ListAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.List);
        var query = HarborQuery.From(context.Request);
        var paging = ApiPaging.From(context.Request);
        var all = Fields.Filter((await policies.ListAsync(project.ProjectId, context.RequestAborted)).AsQueryable(), query);
        var page = Fields.Sort(all, query).Skip(paging.Skip).Take(paging.PageSize).ToList();
        paging.SetHeaders(context, all.Count());
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(p => Write(writer, p));
            writer.WriteEndArray();
        });
    }

    private static async Task CreateAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.Create);
        var policy = WebhookPolicyValidator.Validate(await ApiJson.ReadAsync<WebhookPolicyBody>(context));
        var creator = (await ApiPrincipal.GetAsync(context)).Name;
        var id = await policies.CreateAsync(project.ProjectId, policy, creator, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/api/v2.0/projects/{Uri.EscapeDataString(projectNameOrId)}/webhook/policies/{id.ToString(CultureInfo.InvariantCulture)}";
    }

    private static async Task GetAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId, long policyId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.Read);
        var policy = await policies.GetAsync(project.ProjectId, policyId, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Write(writer, policy));
    }

    private static async Task UpdateAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId, long policyId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.Update);
        var existing = await policies.GetAsync(project.ProjectId, policyId, context.RequestAborted);
        var changed = WebhookPolicyValidator.Validate(await ApiJson.ReadAsync<WebhookPolicyBody>(context));
        await policies.UpdateAsync(existing, changed, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, WebhookPolicyStore policies, string projectNameOrId, long policyId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.Delete);
        var policy = await policies.GetAsync(project.ProjectId, policyId, context.RequestAborted);
        await policies.DeleteAsync(policy, context.RequestAborted);
    }

    /// <summary>Harbor's <c>SupportedWebhookEventTypes</c>: every event type, the <c>http</c> notify type, and its two payload formats.</summary>
    private static async Task EventTypesAsync(HttpContext context, string projectNameOrId)
    {
        await ProjectAsync(context, projectNameOrId, Rbac.Read);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("event_type");
            foreach (var type in EventTypes.Subscribable)
            {
                writer.WriteStringValue(type);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("notify_type");
            writer.WriteStringValue(WebhookTarget.Http);
            writer.WriteEndArray();
            writer.WriteStartArray("payload_formats");
            writer.WriteStartObject();
            writer.WriteString("notify_type", WebhookTarget.Http);
            writer.WriteStartArray("formats");
            writer.WriteStringValue(WebhookTarget.DefaultFormat);
            writer.WriteStringValue(WebhookTarget.CloudEventsFormat);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>Harbor's <c>WebhookLastTrigger</c> list: one entry per policy and event type, with when it last fired (if it has).</summary>
    private static async Task LastTriggerAsync(HttpContext context, WebhookPolicyStore policies, BerthDbContext db, string projectNameOrId)
    {
        var project = await ProjectAsync(context, projectNameOrId, Rbac.Read);
        var entries = new List<(WebhookPolicy Policy, string Type, DateTime? Last)>();
        foreach (var policy in await policies.ListAsync(project.ProjectId, context.RequestAborted))
        {
            foreach (var type in policy.EventTypes)
            {
                var marker = $"\"event_type\":\"{type}\"";
                var last = await db.Executions.AsNoTracking()
                    .Where(e => e.VendorType == WebhookConsumer.VendorType && e.VendorId == policy.Id && e.ExtraAttrs.Contains(marker))
                    .MaxAsync(e => (DateTime?)e.StartTime, context.RequestAborted);
                entries.Add((policy, type, last));
            }
        }

        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            foreach (var (policy, type, last) in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("policy_name", policy.Name);
                writer.WriteString("event_type", type);
                writer.WriteBoolean("enabled", policy.Enabled);
                writer.WriteString("creation_time", ApiJson.Time(policy.CreatedAt));
                if (last is { } time)
                {
                    writer.WriteString("last_trigger_time", ApiJson.Time(time));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
    }

    /// <summary>Harbor's <c>WebhookPolicy</c>.</summary>
    private static void Write(Utf8JsonWriter writer, WebhookPolicy policy)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", policy.Id);
        writer.WriteString("name", policy.Name);
        writer.WriteString("description", policy.Description);
        writer.WriteNumber("project_id", policy.ProjectId);
        writer.WriteStartArray("targets");
        foreach (var target in policy.Targets)
        {
            writer.WriteStartObject();
            writer.WriteString("type", target.Type);
            writer.WriteString("address", target.Address);
            writer.WriteString("auth_header", target.AuthHeader);
            writer.WriteBoolean("skip_cert_verify", target.SkipCertVerify);
            writer.WriteString("payload_format", target.PayloadFormat);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("event_types");
        policy.EventTypes.ForEach(writer.WriteStringValue);
        writer.WriteEndArray();
        writer.WriteString("creator", policy.Creator);
        writer.WriteString("creation_time", ApiJson.Time(policy.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(policy.UpdatedAt));
        writer.WriteBoolean("enabled", policy.Enabled);
        writer.WriteEndObject();
    }
}
