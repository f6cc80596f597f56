using System.Globalization;
using System.Text.Json;
using Berth.Api;

namespace Berth.Projects;

/// <summary><c>/api/v2.0/projects</c>: create, list, check a name, get, update metadata and delete, as Harbor shapes them.</summary>
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
        return endpoints;
    }

    private static async Task CreateAsync(HttpContext context, ProjectService projects)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var request = await ReadAsync(context);
        var project = await projects.CreateAsync(subject, request, context.RequestAborted);
        var nameInLocation = string.Equals(context.Request.Headers["X-Resource-Name-In-Location"], "true", StringComparison.OrdinalIgnoreCase);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = "/api/v2.0/projects/" + (nameInLocation ? project.Name : project.Id.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task ListAsync(HttpContext context, ProjectService projects)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var paging = ApiPaging.From(context.Request);
        var publicText = context.Request.Query["public"].FirstOrDefault();
        bool? isPublic = string.IsNullOrEmpty(publicText) ? null
            : bool.TryParse(publicText, out var parsed) ? parsed : throw ApiException.BadRequest("public must be true or false");
        var (page, total) = await projects.ListAsync(subject, context.Request.Query["name"].FirstOrDefault(), isPublic, paging, context.RequestAborted);
        paging.SetHeaders(context, total);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartArray();
        foreach (var view in page)
        {
            Write(writer, view);
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
        Write(writer, view);
    }

    private static async Task UpdateAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var project = await projects.GetAdministeredAsync(subject, nameOrId, IsName(context), context.RequestAborted);
        await projects.UpdateAsync(project, await ReadAsync(context), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task DeleteAsync(HttpContext context, ProjectService projects, string nameOrId)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var project = await projects.GetAdministeredAsync(subject, nameOrId, IsName(context), context.RequestAborted);
        await projects.DeleteAsync(project, context.RequestAborted);
        context.RequestServices.GetRequiredService<Auth.ProjectCreationTimes>().Forget(project.Name);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static bool IsName(HttpContext context) =>
        string.Equals(context.Request.Headers["X-Is-Resource-Name"], "true", StringComparison.OrdinalIgnoreCase);

    private static Task<ProjectRequest> ReadAsync(HttpContext context) => ApiJson.ReadAsync<ProjectRequest>(context);

    /// <summary>Harbor's <c>Project</c> object.</summary>
    internal static void Write(Utf8JsonWriter writer, ProjectView view)
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
        writer.WriteString("owner_name", view.OwnerName ?? "");
        writer.WriteBoolean("togglable", true);
        writer.WriteNumber("current_user_role_id", (int?)view.Role ?? 0);
        writer.WriteStartArray("current_user_role_ids");
        if (view.Role is { } role)
        {
            writer.WriteNumberValue((int)role);
        }

        writer.WriteEndArray();
        writer.WriteNumber("repo_count", view.RepoCount);
        writer.WriteStartObject("metadata");
        writer.WriteString("public", project.Public ? "true" : "false");
        foreach (var (name, value) in view.Metadata.Where(m => m.Key != "public").OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            writer.WriteString(name, value);
        }
        writer.WriteEndObject();
        writer.WriteStartObject("cve_allowlist");
        writer.WriteNumber("project_id", project.Id);
        writer.WriteStartArray("items");
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string Time(DateTime utc) => ApiJson.Time(utc);
}
