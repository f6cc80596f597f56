using Berth.Api;
using Berth.Auth;
using Berth.Labels;
using Berth.Projects.Immutability;

namespace Berth.Artifacts;

/// <summary><c>/api/v2.0/projects/{project}/repositories/{repository}/artifacts</c>: list, get and delete artifacts, their tags and labels.</summary>
public static class ArtifactEndpoints
{
    public static IEndpointRouteBuilder MapArtifacts(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/projects/{projectName}/repositories/{repositoryName}/artifacts").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapGet("/{reference}", GetAsync);
        group.MapDelete("/{reference}", DeleteAsync);
        group.MapGet("/{reference}/tags", ListTagsAsync);
        group.MapPost("/{reference}/tags", CreateTagAsync);
        group.MapDelete("/{reference}/tags/{tagName}", DeleteTagAsync);
        group.MapPost("/{reference}/labels", AddLabelAsync);
        group.MapDelete("/{reference}/labels/{labelId:long}", RemoveLabelAsync);
        return endpoints;
    }

    private static async Task ListAsync(HttpContext context, ArtifactService artifacts, string projectName, string repositoryName)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Artifact, Rbac.List);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var paging = ApiPaging.From(context.Request);
        var options = ArtifactOptions.From(context.Request);
        var (page, total) = await artifacts.ListAsync(project, repository, ListQuery.From(context.Request), paging, options, context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(a => ArtifactJson.Write(writer, a));
            writer.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, ArtifactService artifacts, string projectName, string repositoryName, string reference)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.Artifact, Rbac.Read);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var view = await artifacts.GetAsync(project, repository, ArtifactRef.Parse(reference), ArtifactOptions.From(context.Request), context.RequestAborted);
        await ApiJson.WriteAsync(context, writer => ArtifactJson.Write(writer, view));
    }

    /// <summary>Deletes the artifact a digest or a tag names, with all its tags, as Harbor does.</summary>
    private static async Task DeleteAsync(HttpContext context, ArtifactService artifacts, string projectName, string repositoryName, string reference)
    {
        await ProjectGate.RequireAsync(context, projectName, Rbac.Artifact, Rbac.Delete);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        await artifacts.DeleteAsync(repository, artifact, context.RequestAborted);
    }

    /// <summary>The artifact's tags; with <c>with_immutable_status=true</c> each says whether a tag immutability rule protects it.</summary>
    private static async Task ListTagsAsync(HttpContext context, ArtifactService artifacts, TagService tags, ImmutableTags immutableTags,
        string projectName, string repositoryName, string reference)
    {
        await ProjectGate.RequireAsync(context, projectName, Rbac.Tag, Rbac.List);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var query = ListQuery.From(context.Request);
        var paging = ApiPaging.From(context.Request);
        var withImmutableStatus = ArtifactOptions.Flag(context.Request, ArtifactOptions.WithImmutableStatusParameter, false);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        var (page, total) = await tags.ListAsync(artifact, query, paging, context.RequestAborted);
        var immutable = withImmutableStatus ? await immutableTags.MatcherAsync(repository, context.RequestAborted) : ImmutableTagMatcher.None;
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(t => ArtifactJson.Write(writer, t, immutable.IsImmutable(t.Name)));
            writer.WriteEndArray();
        });
    }

    /// <summary>201 without <c>Location</c>, as Harbor answers: there is no endpoint for a single tag.</summary>
    private static async Task CreateTagAsync(HttpContext context, ArtifactService artifacts, TagService tags, string projectName, string repositoryName,
        string reference)
    {
        await ProjectGate.RequireAsync(context, projectName, Rbac.Tag, Rbac.Create);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var request = await ApiJson.ReadAsync<NewTagRequest>(context);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        await tags.CreateAsync(repository, artifact, request.Name, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
    }

    private static async Task DeleteTagAsync(HttpContext context, ArtifactService artifacts, TagService tags, string projectName, string repositoryName,
        string reference, string tagName)
    {
        await ProjectGate.RequireAsync(context, projectName, Rbac.Tag, Rbac.Delete);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        await tags.DeleteAsync(repository, artifact, tagName, context.RequestAborted);
    }

    /// <summary>Attaches a global label or one of the project (body: Harbor's <c>Label</c>, of which only <c>id</c> counts); 200 as in Harbor.</summary>
    private static async Task AddLabelAsync(HttpContext context, ArtifactService artifacts, LabelService labels, string projectName,
        string repositoryName, string reference)
    {
        var project = await ProjectGate.RequireAsync(context, projectName, Rbac.ArtifactLabel, Rbac.Create);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var request = await ApiJson.ReadAsync<LabelIdRequest>(context);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        await labels.AttachAsync(project.ProjectId, artifact, request.Id, context.RequestAborted);
    }

    private static async Task RemoveLabelAsync(HttpContext context, ArtifactService artifacts, LabelService labels, string projectName,
        string repositoryName, string reference, long labelId)
    {
        await ProjectGate.RequireAsync(context, projectName, Rbac.ArtifactLabel, Rbac.Delete);
        var repository = RepositoryPath.Full(projectName, repositoryName);
        var artifact = await artifacts.FindAsync(repository, ArtifactRef.Parse(reference), context.RequestAborted);
        await labels.DetachAsync(artifact, labelId, context.RequestAborted);
    }
}
