namespace Berth.Events;

/// <summary>Registers the outbox writer and, where the job workers run, the dispatcher.</summary>
public static partial class EventsExtensions
{
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<EventSignal>();
        services.AddScoped<EventLog>();
        services.AddScoped<DeferredEvents>();
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddSingleton<EventDispatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());
        }

        return services;
    }

    /// <summary>Records each request's deferred events (<see cref="DeferredEvents"/>) after the rest of the pipeline is done with it.</summary>
    public static IApplicationBuilder UseDeferredEvents(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        finally
        {
            try
            {
                await context.RequestServices.GetRequiredService<DeferredEvents>().FlushAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The answer has gone out; an event that cannot be recorded must not break it.
                LogFlushFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<DeferredEvents>(), e);
            }
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "An event deferred by a refused request could not be recorded")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
