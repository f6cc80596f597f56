using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api;
using Berth.Auth;

namespace Berth.Projects;

/// <summary><c>/api/v2.0/quotas</c>: every project's storage quota, listed and read by those with system quota access, changed by administrators.</summary>
public static class QuotaEndpoints
{
    public static IEndpointRouteBuilder MapQuotas(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/quotas").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", UpdateAsync);
        return endpoints;
    }

    private static async Task ListAsync(HttpContext context, QuotaService quotas)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.Quota, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = context.Request.Query;
        var (page, total) = await quotas.ListAsync(query["reference"].FirstOrDefault(), query["reference_id"].FirstOrDefault(),
            query["sort"].FirstOrDefault(), paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(q => Write(writer, q));
            writer.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, QuotaService quotas, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.Quota, Rbac.Read);
        var quota = await quotas.GetAsync(id, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Write(writer, quota));
    }

    private static async Task UpdateAsync(HttpContext context, QuotaService quotas, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.Quota, Rbac.Update);
        var request = await ApiJson.ReadAsync<QuotaUpdateRequest>(context);
        await quotas.UpdateHardAsync(id, request.Hard, context.RequestAborted);
    }

    /// <summary>Harbor's <c>Quota</c> object.</summary>
    private static void Write(Utf8JsonWriter writer, QuotaView quota)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", quota.Id);
        writer.WriteStartObject("ref");
        writer.WriteNumber("id", quota.ProjectId);
        writer.WriteString("name", quota.ProjectName);
        writer.WriteString("owner_name", quota.OwnerName ?? "");
        writer.WriteEndObject();
        writer.WriteStartObject("hard");
        writer.WriteNumber("storage", quota.Hard);
        writer.WriteEndObject();
        writer.WriteStartObject("used");
        writer.WriteNumber("storage", quota.Used);
        writer.WriteEndObject();
        writer.WriteString("creation_time", ApiJson.Time(quota.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(quota.UpdatedAt));
        writer.WriteEndObject();
    }

    /// <summary>Harbor's <c>QuotaUpdateReq</c>.</summary>
    private sealed class QuotaUpdateRequest
    {
        [JsonPropertyName("hard")]
        public Dictionary<string, long>? Hard { get; set; }
    }
}
