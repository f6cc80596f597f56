using Berth.Jobs;

namespace Berth.Retention;

public static class RetentionExtensions
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddScoped<IJobHandler, RetentionJobHandler>();
        services.AddScoped<RetentionPolicyStore>();
        services.AddScoped<RetentionLauncher>();
        services.AddScoped<IExecutionObserver, RetentionEvents>();
        services.AddScoped<IExecutionLauncher>(sp => sp.GetRequiredService<RetentionLauncher>());
        return services;
    }
}
