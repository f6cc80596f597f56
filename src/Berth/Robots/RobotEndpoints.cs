using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Auth;
using Berth.Data.Entities;

namespace Berth.Robots;

/// <summary><c>/api/v2.0/robots</c>: Harbor's v2 robot accounts. The secret is shown once, at creation or refresh.</summary>
public static class RobotEndpoints
{
    public static IEndpointRouteBuilder MapRobots(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/robots").AddEndpointFilter<ApiErrorFilter>();
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", UpdateAsync);
        group.MapPatch("/{id:long}", RefreshAsync);
        group.MapDelete("/{id:long}", DeleteAsync);
        endpoints.MapGet("/api/v2.0/permissions", GrantableAsync).AddEndpointFilter<ApiErrorFilter>();
        return endpoints;
    }

    /// <summary>
    /// Harbor's <c>/permissions</c>: what a robot may be given, for those who make robots. A system administrator sees the
    /// system and the project lists; a user who administers some project, the project list; anyone else is refused.
    /// </summary>
    private static async Task GrantableAsync(HttpContext context, RbacEvaluator rbac)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        var system = caller.IsUser && caller.SysAdmin;
        if (!system && !await rbac.AdministersAProjectAsync(caller, context.RequestAborted))
        {
            throw ApiPrincipal.Refuse(caller);
        }

        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            if (system)
            {
                WritePermissions(writer, "system", Rbac.RobotSystemPermissions);
            }

            // A robot's permission names the project itself "project" (RobotPermissions.PermissionOf reads it back).
            WritePermissions(writer, "project", Rbac.RobotProjectPermissions.Select(p => p.Resource == Rbac.Self ? p with { Resource = Rbac.Project } : p));
            writer.WriteEndObject();
        });
    }

    private static void WritePermissions(Utf8JsonWriter writer, string name, IEnumerable<Permission> permissions)
    {
        writer.WritePropertyName(name);
        Permission.WriteArray(writer, permissions.OrderBy(p => p.Resource, StringComparer.Ordinal).ThenBy(p => p.Action, StringComparer.Ordinal));
    }

    private static async Task CreateAsync(HttpContext context, RobotService robots)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        var created = await robots.CreateAsync(caller, await ApiJson.ReadAsync<RobotCreateRequest>(context), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/robots/" + created.Robot.Id.ToString(CultureInfo.InvariantCulture);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", created.Robot.Id);
            writer.WriteString("name", RobotNames.Full(created.Robot.Name));
            writer.WriteString("secret", created.Secret);
            writer.WriteString("creation_time", ApiJson.Time(created.Robot.CreatedAt));
            writer.WriteNumber("expires_at", created.Robot.ExpiresAt);
            writer.WriteEndObject();
        });
    }

    private static async Task ListAsync(HttpContext context, RobotService robots)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        var paging = ApiPaging.From(context.Request);
        var (page, total) = await robots.ListAsync(caller, context.Request.Query["q"].FirstOrDefault(), paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(r => Write(writer, r));
            writer.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, RobotService robots, long id)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        var robot = await robots.GetAsync(caller, id, Rbac.Read, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Write(writer, robot));
    }

    private static async Task UpdateAsync(HttpContext context, RobotService robots, long id)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        await robots.UpdateAsync(caller, id, await ApiJson.ReadAsync<RobotUpdateRequest>(context), context.RequestAborted);
    }

    private static async Task RefreshAsync(HttpContext context, RobotService robots, long id)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        var secret = await robots.RefreshSecretAsync(caller, id, await ApiJson.ReadAsync<RobotSecretRequest>(context), context.RequestAborted);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("secret", secret);
            writer.WriteEndObject();
        });
    }

    private static async Task DeleteAsync(HttpContext context, RobotService robots, long id)
    {
        var caller = await ApiPrincipal.RequireAsync(context);
        await robots.DeleteAsync(caller, id, context.RequestAborted);
    }

    /// <summary>Harbor's <c>Robot</c>, with the full name; never the secret or its hash.</summary>
    private static void Write(Utf8JsonWriter writer, Robot robot)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", robot.Id);
        writer.WriteString("name", RobotNames.Full(robot.Name));
        writer.WriteString("description", robot.Description);
        writer.WriteString("level", robot.Level);
        writer.WriteNumber("duration", robot.Duration);
        writer.WriteBoolean("editable", true);
        writer.WriteBoolean("disable", robot.Disabled);
        writer.WriteNumber("expires_at", robot.ExpiresAt);
        writer.WriteStartArray("permissions");
        foreach (var permission in RobotPermissions.Parse(robot.Permissions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", permission.Kind);
            writer.WriteString("namespace", permission.Namespace);
            writer.WriteStartArray("access");
            foreach (var access in permission.Access ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("resource", access.Resource);
                writer.WriteString("action", access.Action);
                writer.WriteString("effect", access.Effect);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("creator_type", robot.CreatorType);
        writer.WriteNumber("creator_ref", robot.CreatorRef);
        writer.WriteString("creation_time", ApiJson.Time(robot.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(robot.UpdatedAt));
        writer.WriteEndObject();
    }
}
