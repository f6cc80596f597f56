namespace Berth.Events;

/// <summary>Registers the outbox writer and, where the job workers run, the dispatcher.</summary>
public static class EventsExtensions
{
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<EventSignal>();
        services.AddScoped<EventLog>();
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddSingleton<EventDispatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());
        }

        return services;
    }
}
