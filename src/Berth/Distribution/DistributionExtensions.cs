using Berth.Distribution.Blobs;
using Berth.Distribution.Manifests;
using Berth.Distribution.Repositories;
using Berth.Distribution.Uploads;
using Berth.Jobs;

namespace Berth.Distribution;

/// <summary>Registers and maps the <c>/v2/</c> API.</summary>
public static class DistributionExtensions
{
    public static IServiceCollection AddDistribution(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UploadPurgeOptions>().BindConfiguration(UploadPurgeOptions.Section);
        services.AddScoped<IJobHandler, UploadPurgeJobHandler>();
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddHostedService<UploadPurgeSchedule>();
        }

        services.AddScoped<RepositoryStore>();
        services.AddScoped<BlobService>();
        services.AddScoped<UploadService>();
        services.AddScoped<ManifestService>();
        services.AddSingleton<UploadHashes>();
        services.AddSingleton<UploadLocks>();
        services.AddSingleton<ManifestCache>();
        services.AddSingleton<PullRecorder>();
        services.AddSingleton<PullRecorderFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<PullRecorderFlusher>());
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IEndpointRouteBuilder MapDistribution(this IEndpointRouteBuilder endpoints) => endpoints.MapV2();

    /// <summary>The middleware <c>/v2/</c> needs ahead of routing.</summary>
    public static IApplicationBuilder UseDistribution(this IApplicationBuilder app) => app.UseV2PathGuard();
}
