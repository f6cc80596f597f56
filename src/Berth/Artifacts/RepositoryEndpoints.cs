using Berth.Api;
using Berth.Auth;

namespace Berth.Artifacts;

/// <summary><c>/api/v2.0/repositories</c> and <c>/api/v2.0/projects/{project}/repositories[/{repository}]</c>.</summary>
/// <remarks><c>{repository}</c> is the name after the project, with its slashes encoded (see <see cref="RepositoryPath"/>).</remarks>
public static class RepositoryEndpoints
{
    public static IEndpointRouteBuilder MapRepositories(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v2.0/repositories", ListAllAsync).AddEndpointFilter<ApiErrorFilter>();
        var group = endpoints.MapGroup("/api/v2.0/projects/{projectName}/repositories").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapGet("/{repositoryName}", GetAsync);
        group.MapPut("/{repositoryName}", UpdateAsync);
        group.MapDelete("/{repositoryName}", DeleteAsync);
        return endpoints;
    }

    /// <summary>Every repository the caller may list, across projects; anonymous callers see the public ones.</summary>
    private static async Task ListAllAsync(HttpContext context, RepositoryService repositories, VisibleProjects visible)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var paging = ApiPaging.From(context.Request);
        var (page, total) = await repositories.ListVisibleAsync(subject, visible, ListQuery.From(context.Request), paging, context.RequestAborted);
        await WritePageAsync(context, paging, page, total);
    }

    private static async Task ListAsync(HttpContext context, RepositoryService repositories, string projectName)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Repository, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var (page, total) = await repositories.ListAsync(project, ListQuery.From(context.Request), paging, context.RequestAborted);
        await WritePageAsync(context, paging, page, total);
    }

    private static async Task GetAsync(HttpContext context, RepositoryService repositories, string projectName, string repositoryName)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Repository, Rbac.Read);
        var repository = await repositories.GetAsync(project, RepositoryPath.Full(projectName, repositoryName), context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => ArtifactJson.Write(writer, repository));
    }

    private static async Task UpdateAsync(HttpContext context, RepositoryService repositories, string projectName, string repositoryName)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Repository, Rbac.Update);
        var name = RepositoryPath.Full(projectName, repositoryName);
        var request = await ApiJson.ReadAsync<RepositoryRequest>(context);
        await repositories.UpdateAsync(project, name, request.Description, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, RepositoryService repositories, string projectName, string repositoryName)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Repository, Rbac.Delete);
        await repositories.DeleteAsync(project, RepositoryPath.Full(projectName, repositoryName), context.RequestAborted);
    }

    private static async Task WritePageAsync(HttpContext context, ApiPaging paging, List<RepositoryRow> page, int total)
    {
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(r => ArtifactJson.Write(writer, r));
            writer.WriteEndArray();
        });
    }
}
