using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Projects;

/// <summary>Harbor's <c>ProjectMember</c> request: a role for a user, named by id or username.</summary>
public sealed class MemberRequest
{
    [JsonPropertyName("role_id")]
    public int RoleId { get; set; }

    [JsonPropertyName("member_user")]
    public MemberUser? MemberUser { get; set; }
}

public sealed class MemberUser
{
    [JsonPropertyName("user_id")]
    public long? UserId { get; set; }

    [JsonPropertyName("username")]
    public string? Username { get; set; }
}

/// <summary><c>/api/v2.0/projects/{project}/members</c>: who holds which of Harbor's five roles in a project.</summary>
/// <remarks>The RBAC evaluator decides: members other than limited guests may look; project admins and system administrators change.</remarks>
public static class MemberEndpoints
{
    public static IEndpointRouteBuilder MapMembers(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/projects/{nameOrId}/members").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapPost("", CreateAsync);
        group.MapGet("/{memberId:long}", GetAsync);
        group.MapPut("/{memberId:long}", UpdateAsync);
        group.MapDelete("/{memberId:long}", DeleteAsync);
        return endpoints;
    }

    /// <summary>The project, if the caller may take <paramref name="action"/> on its members.</summary>
    private static async Task<Project> ProjectAsync(HttpContext context, ProjectService projects, string nameOrId, string action)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var isName = string.Equals(context.Request.Headers["X-Is-Resource-Name"], "true", StringComparison.OrdinalIgnoreCase);
        return (await projects.RequireAsync(subject, nameOrId, isName, Rbac.Member, action, context.RequestAborted)).Project;
    }

    private static async Task ListAsync(HttpContext context, ProjectService projects, BerthDbContext db, string nameOrId)
    {
        var project = await ProjectAsync(context, projects, nameOrId, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = Members(db, project.Id);
        var name = context.Request.Query["entityname"].FirstOrDefault();
        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(m => m.Username.Contains(name));
        }

        var total = await query.CountAsync(context.RequestAborted);
        // Harbor lists members by entity name.
        var page = await query.OrderBy(m => m.Username).ThenBy(m => m.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        page.ForEach(m => Write(writer, m));
        writer.WriteEndArray();
    }

    private static async Task CreateAsync(HttpContext context, ProjectService projects, BerthDbContext db, TimeProvider clock, string nameOrId)
    {
        var project = await ProjectAsync(context, projects, nameOrId, Rbac.Create);
        var request = await ApiJson.ReadAsync<MemberRequest>(context);
        var role = RequireRole(request.RoleId);
        var target = request.MemberUser ?? throw ApiException.BadRequest("member_user is required");
        var user = await db.Users.AsNoTracking()
            .Where(u => target.UserId != null ? u.Id == target.UserId : u.Username == target.Username)
            .Select(u => new { u.Id }).FirstOrDefaultAsync(context.RequestAborted)
            ?? throw ApiException.NotFound("user not found");
        if (await db.ProjectMembers.AnyAsync(m => m.ProjectId == project.Id && m.UserId == user.Id, context.RequestAborted))
        {
            throw ApiException.Conflict("the user is already a member of the project");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var member = new ProjectMember { ProjectId = project.Id, UserId = user.Id, Role = role, CreatedAt = now, UpdatedAt = now };
        db.ProjectMembers.Add(member);
        await db.SaveChangesAsync(context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = string.Create(CultureInfo.InvariantCulture, $"/api/v2.0/projects/{nameOrId}/members/{member.Id}");
    }

    private static async Task GetAsync(HttpContext context, ProjectService projects, BerthDbContext db, string nameOrId, long memberId)
    {
        var project = await ProjectAsync(context, projects, nameOrId, Rbac.Read);
        var member = await Members(db, project.Id).FirstOrDefaultAsync(m => m.Id == memberId, context.RequestAborted)
            ?? throw ApiException.NotFound($"member {memberId} not found");
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        Write(writer, member);
    }

    private static async Task UpdateAsync(HttpContext context, ProjectService projects, BerthDbContext db, TimeProvider clock, string nameOrId, long memberId)
    {
        var project = await ProjectAsync(context, projects, nameOrId, Rbac.Update);
        var role = RequireRole((await ApiJson.ReadAsync<MemberRequest>(context)).RoleId);
        var changed = await db.ProjectMembers.Where(m => m.Id == memberId && m.ProjectId == project.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, role).SetProperty(m => m.UpdatedAt, clock.GetUtcNow().UtcDateTime), context.RequestAborted);
        if (changed == 0)
        {
            throw ApiException.NotFound($"member {memberId} not found");
        }
    }

    private static async Task DeleteAsync(HttpContext context, ProjectService projects, BerthDbContext db, string nameOrId, long memberId)
    {
        var project = await ProjectAsync(context, projects, nameOrId, Rbac.Delete);
        if (await db.ProjectMembers.Where(m => m.Id == memberId && m.ProjectId == project.Id).ExecuteDeleteAsync(context.RequestAborted) == 0)
        {
            throw ApiException.NotFound($"member {memberId} not found");
        }
    }

    private static ProjectRole RequireRole(int roleId) => Enum.IsDefined((ProjectRole)roleId)
        ? (ProjectRole)roleId
        : throw ApiException.BadRequest("role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)");

    /// <summary>A membership with its user's name; built with an initializer so that queries can still filter on it.</summary>
    private sealed class MemberRow
    {
        public long Id { get; init; }

        public long ProjectId { get; init; }

        public long UserId { get; init; }

        public string Username { get; init; } = "";

        public ProjectRole Role { get; init; }
    }

    private static IQueryable<MemberRow> Members(BerthDbContext db, long projectId) =>
        from m in db.ProjectMembers.AsNoTracking()
        join u in db.Users on m.UserId equals u.Id
        where m.ProjectId == projectId
        select new MemberRow { Id = m.Id, ProjectId = m.ProjectId, UserId = m.UserId, Username = u.Username, Role = m.Role };

    /// <summary>Harbor's <c>ProjectMemberEntity</c>.</summary>
    private static void Write(Utf8JsonWriter writer, MemberRow member)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", member.Id);
        writer.WriteNumber("project_id", member.ProjectId);
        writer.WriteString("entity_name", member.Username);
        writer.WriteString("role_name", RoleName(member.Role));
        writer.WriteNumber("role_id", (int)member.Role);
        writer.WriteNumber("entity_id", member.UserId);
        writer.WriteString("entity_type", "u");
        writer.WriteEndObject();
    }

    private static string RoleName(ProjectRole role) => role switch
    {
        ProjectRole.ProjectAdmin => "projectAdmin",
        ProjectRole.Developer => "developer",
        ProjectRole.Guest => "guest",
        ProjectRole.Maintainer => "maintainer",
        _ => "limitedGuest",
    };
}
