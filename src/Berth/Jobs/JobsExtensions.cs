namespace Berth.Jobs;

/// <summary>Registers the queue, the executions record, and (unless <see cref="JobOptions.Enabled"/> is off) the workers and scheduler.</summary>
public static class JobsExtensions
{
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JobSignal>();
        services.AddScoped<JobQueue>();
        services.AddScoped<ExecutionStore>();
        services.AddScoped<ScheduleStore>();
        if (configuration.GetValue(JobOptions.Section + ":" + nameof(JobOptions.Enabled), true))
        {
            services.AddHostedService<JobWorker>();
            services.AddSingleton<Scheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<Scheduler>());
        }

        return services;
    }
}
