using Berth.Jobs;

namespace Berth.Retention;

public static class RetentionExtensions
{
    public static IServiceCollection AddRetention(this IServiceCollection services) =>
        services.AddScoped<IJobHandler, RetentionJobHandler>();
}
