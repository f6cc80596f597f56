using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data.Entities;

namespace Berth.Projects;

/// <summary><c>/api/v2.0/projects</c>: create, list, check a name, get, update metadata, delete, and say whether and what, as Harbor shapes them.</summary>
public static class ProjectEndpoints
{
    public static IEndpointRouteBuilder MapProjects(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/projects").AddEndpointFilter<ApiErrorFilter>();
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapMethods("", ["HEAD"], HeadAsync);
        group.MapGet("/{nameOrId}", GetAsync);
        group.MapPut("/{nameOrId}", UpdateAsync);
        group.MapDelete("/{nameOrId}", DeleteAsync);
        group.MapGet("/{nameOrId}/_deletable", DeletableAsync);
        group.MapGet("/{nameOrId}/summary", SummaryAsync);
        return endpoints;
    }

    private static async Task CreateAsync(HttpContext context, ProjectService projects)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var settings = await context.RequestServices.GetRequiredService<Settings.SettingsStore>().GetAsync(context.RequestAborted);
        if (settings.ProjectCreationRestriction == Settings.SystemSettings.AdminOnly && !subject.SysAdmin && subject.Robot is null)
        {
            throw ApiException.Forbidden(); // project_creation_restriction: adminonly
        }

        var request = await ReadAsync(context);
        var project = await projects.CreateAsync(subject, request, context.RequestAborted);
        var nameInLocation = string.Equals(context.Request.Headers["X-Resource-Name-In-Location"], "true", StringComparison.OrdinalIgnoreCase);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/projects/" + (nameInLocation ? project.Name : project.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Harbor's list: <c>q=</c> and <c>sort=</c>, and the named filters <c>name</c> (fuzzy), <c>owner</c> and <c>public</c>, which override <c>q</c>.</summary>
    /// <remarks><c>with_detail=false</c> leaves out the metadata and the owner's name, as Harbor does.</remarks>
    private static async Task ListAsync(HttpContext context, ProjectService projects)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var paging = ApiPaging.From(context.Request);
        var request = context.Request.Query;
        var query = HarborQuery.From(context.Request);
        if (request["name"].FirstOrDefault() is { Length: > 0 } name)
        {
            query = query.With(QueryTerm.Fuzzy("name", name));
        }

        if (request["owner"].FirstOrDefault() is { Length: > 0 } owner)
        {
            query = query.With(QueryTerm.Exact("owner", owner));
        }

        if (ReadFlag(context, "public") is { } isPublic)
        {
            query = query.With(QueryTerm.Exact("public", isPublic ? "true" : "false"));
        }

        var withDetail = ReadFlag(context, "with_detail") ?? true;
        var (page, total) = await projects.ListAsync(subject, query, paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        foreach (var view in page)
        {
            Write(writer, view, withDetail);
        }

        writer.WriteEndArray();
    }

    /// <summary>Whether a name is taken. For signed-in callers only: it says whether a project exists.</summary>
    private static async Task HeadAsync(HttpContext context, ProjectService projects)
    {
        await ApiPrincipal.RequireAsync(context);
        var name = context.Request.Query["project_name"].FirstOrDefault();
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.BadRequest("project_name is required");
        }

        context.Response.StatusCode = await projects.ExistsAsync(name, context.RequestAborted) ? 200 : 404;
    }

    private static async Task GetAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var view = await projects.GetVisibleAsync(subject, nameOrId, IsName(context), context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        Write(writer, view, withDetail: true);
    }

    private static async Task UpdateAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await projects.RequireAsync(subject, nameOrId, IsName(context), Rbac.Self, Rbac.Update, context.RequestAborted);
        await projects.UpdateAsync(access.Project, await ReadAsync(context), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task DeleteAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await projects.RequireAsync(subject, nameOrId, IsName(context), Rbac.Self, Rbac.Delete, context.RequestAborted);
        await projects.DeleteAsync(access.Project, context.RequestAborted);
        context.RequestServices.GetRequiredService<Auth.ProjectCreationTimes>().Forget(access.Project.Name);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Harbor's <c>ProjectDeletable</c>; asking takes what deleting takes.</summary>
    private static async Task DeletableAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await projects.RequireAsync(subject, nameOrId, IsName(context), Rbac.Self, Rbac.Delete, context.RequestAborted);
        var (deletable, message) = await projects.DeletableAsync(access.Project, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteBoolean("deletable", deletable);
        if (message is not null)
        {
            writer.WriteString("message", message);
        }

        writer.WriteEndObject();
    }

    /// <summary>Harbor's <c>ProjectSummary</c>. There are no proxy projects yet, so no <c>registry</c>.</summary>
    /// <remarks>Member counts only for callers who may list members, the quota only for those who may read it, as in Harbor.</remarks>
    private static async Task SummaryAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await projects.RequireAsync(subject, nameOrId, IsName(context), Rbac.Self, Rbac.Read, context.RequestAborted);
        var summary = await projects.SummaryAsync(access, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("repo_count", summary.RepoCount);
        if (summary.MembersByRole is { } members)
        {
            writer.WriteNumber("project_admin_count", members[ProjectRole.ProjectAdmin]);
            writer.WriteNumber("maintainer_count", members[ProjectRole.Maintainer]);
            writer.WriteNumber("developer_count", members[ProjectRole.Developer]);
            writer.WriteNumber("guest_count", members[ProjectRole.Guest]);
            writer.WriteNumber("limited_guest_count", members[ProjectRole.LimitedGuest]);
        }

        if (summary.Quota is { } quota)
        {
            writer.WriteStartObject("quota");
            writer.WriteStartObject("hard");
            writer.WriteNumber("storage", quota.Hard);
            writer.WriteEndObject();
            writer.WriteStartObject("used");
            writer.WriteNumber("storage", quota.Used);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static bool? ReadFlag(HttpContext context, string name) => context.Request.Query[name].FirstOrDefault() switch
    {
        null or "" => null,
        var text => bool.TryParse(text, out var flag) ? flag : throw ApiException.BadRequest($"{name} must be true or false"),
    };

    private static bool IsName(HttpContext context) =>
        string.Equals(context.Request.Headers["X-Is-Resource-Name"], "true", StringComparison.OrdinalIgnoreCase);

    private static Task<ProjectRequest> ReadAsync(HttpContext context) => ApiJson.ReadAsync<ProjectRequest>(context);

    /// <summary>Harbor's <c>Project</c> object.</summary>
    internal static void Write(Utf8JsonWriter writer, ProjectView view, bool withDetail)
    {
        var project = view.Project;
        writer.WriteStartObject();
        writer.WriteNumber("project_id", project.Id);
        writer.WriteNumber("owner_id", project.OwnerId ?? 0);
        writer.WriteString("name", project.Name);
        writer.WriteNull("registry_id");
        writer.WriteString("creation_time", Time(project.CreatedAt));
        writer.WriteString("update_time", Time(project.UpdatedAt));
        writer.WriteBoolean("deleted", false);
        if (withDetail)
        {
            writer.WriteString("owner_name", view.OwnerName ?? "");
        }

        writer.WriteBoolean("togglable", true);
        writer.WriteNumber("current_user_role_id", (int?)view.Role ?? 0);
        writer.WriteStartArray("current_user_role_ids");
        if (view.Role is { } role)
        {
            writer.WriteNumberValue((int)role);
        }

        writer.WriteEndArray();
        writer.WriteNumber("repo_count", view.RepoCount);
        if (withDetail)
        {
            writer.WriteStartObject("metadata");
            writer.WriteString("public", project.Public ? "true" : "false");
            foreach (var (name, value) in view.Metadata.Where(m => m.Key != "public").OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value);
            }
            writer.WriteEndObject();
        }

        writer.WriteStartObject("cve_allowlist");
        writer.WriteNumber("project_id", project.Id);
        writer.WriteStartArray("items");
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string Time(DateTime utc) => ApiJson.Time(utc);
}
