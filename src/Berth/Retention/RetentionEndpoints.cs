using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api;
using Berth.Auth;

namespace Berth.Retention;

/// <summary><c>/api/v2.0/retentions</c>: Harbor's tag retention policies, one per project, and what rules they may hold.</summary>
/// <remarks>Every endpoint wants a signed-in caller; the policy's project decides the rest through the RBAC evaluator.</remarks>
public static class RetentionEndpoints
{
    private static readonly JsonSerializerOptions Output = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IEndpointRouteBuilder MapRetentions(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/retentions").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("/metadatas", MetadataAsync);
        group.MapPost("", CreateAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", UpdateAsync);
        group.MapDelete("/{id:long}", DeleteAsync);
        group.MapRetentionExecutions();
        return endpoints;
    }

    private static async Task MetadataAsync(HttpContext context)
    {
        await ApiPrincipal.RequireAsync(context);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        RetentionMetadata.Write(writer);
    }

    private static async Task CreateAsync(HttpContext context, RetentionPolicyStore policies)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var policy = await ApiJson.ReadAsync<RetentionPolicy>(context);
        var scope = policy.Scope ?? throw ApiException.BadRequest("scope is required: {\"level\":\"project\",\"ref\":<project id>}");
        if (scope.Level != "project")
        {
            throw ApiException.BadRequest($"scope level '{scope.Level}' is not supported; a retention policy belongs to a project");
        }

        if (scope.Ref <= 0 || !await RetentionAccess.RequireAsync(context, subject, scope.Ref, Rbac.Create))
        {
            throw ApiException.BadRequest($"invalid project id {scope.Ref}: no such project");
        }

        RetentionPolicyValidator.Validate(policy);
        var id = await policies.CreateAsync(scope.Ref, policy, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/retentions/" + id.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task GetAsync(HttpContext context, RetentionPolicyStore policies, long id)
    {
        var (_, policy) = await RetentionAccess.PolicyAsync(context, id, Rbac.Read);
        if (await policies.NextRunAsync(id, context.RequestAborted) is { } next)
        {
            // Computed, as in Harbor: when the schedule fires next.
            policy.Trigger!.Settings["next_scheduled_time"] = JsonSerializer.SerializeToElement(ApiJson.Time(next));
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, policy, Output, context.RequestAborted);
    }

    /// <summary>Replaces the rules and the trigger. The policy stays in its project: a body naming another one is refused.</summary>
    private static async Task UpdateAsync(HttpContext context, RetentionPolicyStore policies, long id)
    {
        var (_, existing) = await RetentionAccess.PolicyAsync(context, id, Rbac.Update);
        var policy = await ApiJson.ReadAsync<RetentionPolicy>(context);
        if (policy.Scope is { } scope && (scope.Level != "project" || scope.Ref != existing.Scope!.Ref))
        {
            throw ApiException.BadRequest(
                $"retention policy {id} belongs to project {existing.Scope!.Ref}; its scope cannot become {scope.Level} {scope.Ref}");
        }

        RetentionPolicyValidator.Validate(policy);
        await policies.UpdateAsync(existing, policy, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task DeleteAsync(HttpContext context, RetentionPolicyStore policies, long id)
    {
        var (_, policy) = await RetentionAccess.PolicyAsync(context, id, Rbac.Delete);
        await policies.DeleteAsync(policy, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
