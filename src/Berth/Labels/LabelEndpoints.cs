using System.Globalization;
using Berth.Api;
using Berth.Artifacts;
using Berth.Auth;
using Berth.Data.Entities;

namespace Berth.Labels;

/// <summary><c>/api/v2.0/labels</c>: Harbor's global labels (administrators) and project labels (the project's label permission).</summary>
/// <remarks>
/// As in Harbor anyone may list the global labels, which the portal offers everywhere; reading, changing or deleting one
/// is for administrators. An unknown label is refused like a forbidden one, except to administrators, who learn it is 404.
/// </remarks>
public static class LabelEndpoints
{
    public static IEndpointRouteBuilder MapLabels(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/labels").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapPost("", CreateAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", UpdateAsync);
        group.MapDelete("/{id:long}", DeleteAsync);
        return endpoints;
    }

    private static async Task ListAsync(HttpContext context, LabelService labels)
    {
        await ApiPrincipal.GetAsync(context);
        var scope = context.Request.Query["scope"].FirstOrDefault();
        long? projectId = null;
        if (scope == Label.ProjectScope)
        {
            var text = context.Request.Query["project_id"].FirstOrDefault();
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                throw ApiException.BadRequest("must with project ID when to query project labels");
            }

            projectId = (await ProjectGate.RequireAsync(context, id, Rbac.Label, Rbac.List)).ProjectId;
        }
        else if (scope != Label.GlobalScope)
        {
            throw ApiException.BadRequest($"invalid scope: {scope}; it must be g (global) or p (project)");
        }

        var paging = ApiPaging.From(context.Request);
        var (page, total) = await labels.ListAsync(projectId, context.Request.Query["name"].FirstOrDefault(), ListQuery.From(context.Request), paging,
            context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(l => LabelJson.Write(writer, l));
            writer.WriteEndArray();
        });
    }

    /// <summary>201 with <c>Location: /api/v2.0/labels/{id}</c>, as the Terraform provider reads it.</summary>
    private static async Task CreateAsync(HttpContext context, LabelService labels)
    {
        var request = await ApiJson.ReadAsync<LabelRequest>(context);
        long? projectId = null;
        switch (request.Scope)
        {
            case Label.GlobalScope:
                await ApiPrincipal.RequireSystemAsync(context, Rbac.Label, Rbac.Create);
                break;
            case Label.ProjectScope when request.ProjectId is > 0:
                projectId = (await ProjectGate.RequireAsync(context, request.ProjectId.Value, Rbac.Label, Rbac.Create)).ProjectId;
                break;
            case Label.ProjectScope:
                throw ApiException.BadRequest($"invalid project_id: {request.ProjectId ?? 0}");
            default:
                throw ApiException.BadRequest($"invalid scope: {request.Scope}; it must be g (global) or p (project)");
        }

        var label = await labels.CreateAsync(request.Scope, projectId, request, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/labels/" + label.Id.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task GetAsync(HttpContext context, LabelService labels, long id)
    {
        var label = await RequireAsync(context, labels, id, Rbac.Read);
        await ApiJson.WriteAsync(context, writer => LabelJson.Write(writer, label));
    }

    private static async Task UpdateAsync(HttpContext context, LabelService labels, long id)
    {
        var label = await RequireAsync(context, labels, id, Rbac.Update);
        await labels.UpdateAsync(label, await ApiJson.ReadAsync<LabelRequest>(context), context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, LabelService labels, long id)
    {
        var label = await RequireAsync(context, labels, id, Rbac.Delete);
        await labels.DeleteAsync(label, context.RequestAborted);
    }

    /// <summary>The label, if the caller may take <paramref name="action"/> on it: system-wide for a global label, in its project otherwise.</summary>
    private static async Task<Label> RequireAsync(HttpContext context, LabelService labels, long id, string action)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var label = await labels.FindAsync(id, context.RequestAborted)
            ?? throw (subject.SysAdmin ? ApiException.NotFound($"label {id} not found") : ApiPrincipal.Refuse(subject));
        if (label.ProjectId is { } projectId)
        {
            await ProjectGate.RequireAsync(context, projectId, Rbac.Label, action);
        }
        else
        {
            await ApiPrincipal.RequireSystemAsync(context, Rbac.Label, action);
        }

        return label;
    }
}
