using Berth.Jobs;

namespace Berth.Gc;

public static class GcExtensions
{
    public static IServiceCollection AddGc(this IServiceCollection services)
    {
        services.AddOptions<GcOptions>().BindConfiguration(GcOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<GcService>();
        services.AddScoped<IJobHandler, GcJobHandler>();
        return services;
    }
}
