namespace Berth.Artifacts;

/// <summary>Registers and maps Harbor's repository, artifact and tag API, with <c>/search</c> and <c>/statistics</c> over them.</summary>
public static class ArtifactsExtensions
{
    public static IServiceCollection AddArtifacts(this IServiceCollection services)
    {
        services.AddSingleton<ArtifactDocuments>();
        services.AddScoped<ArtifactAssembler>();
        services.AddScoped<ArtifactService>();
        services.AddScoped<TagService>();
        services.AddScoped<RepositoryService>();
        services.AddScoped<VisibleProjects>();
        services.AddScoped<SearchService>();
        services.AddScoped<StatisticsService>();
        return services;
    }

    public static IEndpointRouteBuilder MapArtifactApi(this IEndpointRouteBuilder endpoints) => endpoints.MapRepositories().MapArtifacts().MapSearch();
}
