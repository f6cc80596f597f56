using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Data.Entities;

namespace Berth.Users;

/// <summary><c>/api/v2.0/users</c>: Harbor's user API. Administrators manage accounts; everyone reads and changes their own.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/users").AddEndpointFilter<ApiErrorFilter>();
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/current", CurrentAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}/password", PasswordAsync);
        group.MapPut("/{id:long}/sysadmin", SysAdminAsync);
        group.MapDelete("/{id:long}", DeleteAsync);
        return endpoints;
    }

    private static async Task CreateAsync(HttpContext context, UserService users)
    {
        await ApiPrincipal.RequireSysAdminAsync(context);
        var user = await users.CreateAsync(await ApiJson.ReadAsync<UserCreationRequest>(context), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/users/" + user.Id.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task ListAsync(HttpContext context, UserService users)
    {
        await ApiPrincipal.RequireSysAdminAsync(context);
        var paging = ApiPaging.From(context.Request);
        var (page, total) = await users.ListAsync(context.Request.Query["username"].FirstOrDefault(), paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        await WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(u => Write(writer, u));
            writer.WriteEndArray();
        });
    }

    private static async Task CurrentAsync(HttpContext context, UserService users)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        if (!subject.IsUser)
        {
            throw ApiException.Forbidden(); // a robot has no user profile
        }

        var user = await users.GetAsync(subject.Id, context.RequestAborted);
        await WriteAsync(context, writer => Write(writer, user));
    }

    private static async Task GetAsync(HttpContext context, UserService users, long id)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        if (!subject.SysAdmin && subject.Id != id)
        {
            throw ApiPrincipal.Refuse(subject);
        }

        var user = await users.GetAsync(id, context.RequestAborted);
        await WriteAsync(context, writer => Write(writer, user));
    }

    private static async Task PasswordAsync(HttpContext context, UserService users, long id)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        if (!subject.SysAdmin && subject.Id != id)
        {
            throw ApiPrincipal.Refuse(subject);
        }

        await users.ChangePasswordAsync(subject, id, await ApiJson.ReadAsync<PasswordRequest>(context), context.RequestAborted);
    }

    private static async Task SysAdminAsync(HttpContext context, UserService users, long id)
    {
        await ApiPrincipal.RequireSysAdminAsync(context);
        await users.SetSysAdminAsync(id, (await ApiJson.ReadAsync<SysAdminRequest>(context)).SysAdminFlag, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, UserService users, long id)
    {
        var subject = await ApiPrincipal.RequireSysAdminAsync(context);
        await users.DeleteAsync(subject, id, context.RequestAborted);
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        write(writer);
    }

    /// <summary>Harbor's <c>UserResp</c>. The password hash never leaves the database.</summary>
    private static void Write(Utf8JsonWriter writer, User user)
    {
        writer.WriteStartObject();
        writer.WriteNumber("user_id", user.Id);
        writer.WriteString("username", user.Username);
        writer.WriteString("email", user.Email);
        writer.WriteString("realname", user.Realname);
        writer.WriteString("comment", user.Comment);
        writer.WriteBoolean("sysadmin_flag", user.SysAdmin);
        writer.WriteBoolean("admin_role_in_auth", false);
        writer.WriteNull("oidc_user_meta");
        writer.WriteString("creation_time", ApiJson.Time(user.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(user.UpdatedAt));
        writer.WriteEndObject();
    }
}
