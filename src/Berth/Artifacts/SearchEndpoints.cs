using System.Text.Json;
using Berth.Api;
using Berth.Projects;

namespace Berth.Artifacts;

/// <summary><c>/api/v2.0/search</c> (anyone; anonymous callers find public projects) and <c>/api/v2.0/statistics</c> (signed in).</summary>
public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v2.0/search", SearchAsync).AddEndpointFilter<ApiErrorFilter>();
        endpoints.MapGet("/api/v2.0/statistics", StatisticsAsync).AddEndpointFilter<ApiErrorFilter>();
        return endpoints;
    }

    private static async Task SearchAsync(HttpContext context, SearchService search)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var text = context.Request.Query["q"].FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            throw ApiException.BadRequest("q is required: the text project and repository names are searched for");
        }

        var (projects, repositories) = await search.SearchAsync(subject, text, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("project");
            projects.ForEach(p => ProjectEndpoints.Write(writer, p, withDetail: true));
            writer.WriteEndArray();
            writer.WriteStartArray("repository");
            foreach (var repository in repositories)
            {
                writer.WriteStartObject();
                writer.WriteNumber("project_id", repository.ProjectId);
                writer.WriteString("project_name", repository.ProjectName);
                writer.WriteBoolean("project_public", repository.ProjectPublic);
                writer.WriteString("repository_name", repository.RepositoryName);
                writer.WriteNumber("pull_count", repository.PullCount);
                writer.WriteNumber("artifact_count", repository.ArtifactCount);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static async Task StatisticsAsync(HttpContext context, StatisticsService statistics)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var counts = await statistics.ForAsync(subject, context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => Write(writer, counts));
    }

    private static void Write(Utf8JsonWriter writer, Statistic counts)
    {
        writer.WriteStartObject();
        writer.WriteNumber("private_project_count", counts.PrivateProjects);
        writer.WriteNumber("private_repo_count", counts.PrivateRepositories);
        writer.WriteNumber("public_project_count", counts.PublicProjects);
        writer.WriteNumber("public_repo_count", counts.PublicRepositories);
        writer.WriteNumber("total_project_count", counts.TotalProjects);
        writer.WriteNumber("total_repo_count", counts.TotalRepositories);
        writer.WriteNumber("total_storage_consumption", counts.TotalStorage);
        writer.WriteEndObject();
    }
}
