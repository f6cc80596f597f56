using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
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
        group.MapGet("/current/permissions", PermissionsAsync);
        group.MapGet("/search", SearchAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPut("/{id:long}", UpdateProfileAsync);
        group.MapPut("/{id:long}/password", PasswordAsync);
        group.MapPut("/{id:long}/sysadmin", SysAdminAsync);
        group.MapDelete("/{id:long}", DeleteAsync);
        return endpoints;
    }

    private static async Task CreateAsync(HttpContext context, UserService users)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.User, Rbac.Create);
        var user = await users.CreateAsync(await ApiJson.ReadAsync<UserCreationRequest>(context), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/users/" + user.Id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Harbor's list: <c>q=</c>, <c>sort=</c>, and <c>username</c> and <c>email</c> as fuzzy filters that override <c>q</c>.</summary>
    private static async Task ListAsync(HttpContext context, UserService users)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.User, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = HarborQuery.From(context.Request);
        foreach (var key in new[] { "username", "email" })
        {
            if (context.Request.Query[key].FirstOrDefault() is { Length: > 0 } value)
            {
                query = query.With(QueryTerm.Fuzzy(key, value));
            }
        }

        var (page, total) = await users.ListAsync(query, paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(u => Write(writer, u));
            writer.WriteEndArray();
        });
    }

    /// <summary>Harbor's <c>UserSearchRespItem</c> list: any signed-in caller finds users by part of their name, to add them as members.</summary>
    private static async Task SearchAsync(HttpContext context, UserService users)
    {
        await ApiPrincipal.RequireAsync(context);
        var username = context.Request.Query["username"].FirstOrDefault();
        if (string.IsNullOrEmpty(username))
        {
            throw ApiException.BadRequest("username is required");
        }

        var paging = ApiPaging.From(context.Request);
        var (page, total) = await users.SearchAsync(username, paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            foreach (var user in page)
            {
                writer.WriteStartObject();
                writer.WriteNumber("user_id", user.Id);
                writer.WriteString("username", user.Username);
                writer.WriteEndObject();
            }

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
        await ApiJson.WriteAsync(context, writer => Write(writer, user));
    }

    /// <summary>Harbor's list of <c>{resource, action}</c> the caller holds in <c>scope</c> (<c>/project/{id}</c> or <c>/system</c>), from the RBAC evaluator.</summary>
    private static async Task PermissionsAsync(HttpContext context, RbacEvaluator rbac)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var relative = context.Request.Query["relative"].FirstOrDefault() switch
        {
            null or "" => false,
            var text => bool.TryParse(text, out var flag) ? flag : throw ApiException.BadRequest("relative must be true or false"),
        };
        var permissions = await rbac.PermissionsAsync(subject, context.Request.Query["scope"].FirstOrDefault() ?? "", relative, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Permission.WriteArray(writer, permissions));
    }

    private static async Task GetAsync(HttpContext context, UserService users, long id)
    {
        await RequireSelfOrAsync(context, id, Rbac.Read);
        var user = await users.GetAsync(id, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Write(writer, user));
    }

    /// <summary>Harbor's <c>UserProfile</c>: email, real name and comment, by the user or an administrator.</summary>
    private static async Task UpdateProfileAsync(HttpContext context, UserService users, long id)
    {
        await RequireSelfOrAsync(context, id, Rbac.Update);
        await users.UpdateProfileAsync(id, await ApiJson.ReadAsync<UserProfileRequest>(context), context.RequestAborted);
    }

    private static async Task PasswordAsync(HttpContext context, UserService users, long id)
    {
        var subject = await RequireSelfOrAsync(context, id, Rbac.Update);
        await users.ChangePasswordAsync(subject, id, await ApiJson.ReadAsync<PasswordRequest>(context), context.RequestAborted);
    }

    private static async Task SysAdminAsync(HttpContext context, UserService users, long id)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.User, Rbac.Update);
        await users.SetSysAdminAsync(id, (await ApiJson.ReadAsync<SysAdminRequest>(context)).SysAdminFlag, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, UserService users, long id)
    {
        var subject = await ApiPrincipal.RequireSystemAsync(context, Rbac.User, Rbac.Delete);
        await users.DeleteAsync(subject, id, context.RequestAborted);
    }

    /// <summary>Harbor's rule for one account: its owner may, and so may whoever holds the system permission on users.</summary>
    private static async Task<Subject> RequireSelfOrAsync(HttpContext context, long id, string action)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        return subject.Id == id || RbacEvaluator.CanInSystem(subject, Rbac.User, action) ? subject : throw ApiPrincipal.Refuse(subject);
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
