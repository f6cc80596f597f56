using Berth.Events;
using Berth.Jobs;

namespace Berth.Webhooks;

/// <summary>Registers webhook policies, the event consumer that schedules deliveries, the delivery job and its HTTP clients.</summary>
public static class WebhooksExtensions
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddWebhookHttp();
        services.AddSingleton<RegistryAddress>();
        services.AddScoped<WebhookPolicyStore>();
        services.AddScoped<IEventConsumer, WebhookConsumer>();
        services.AddScoped<IJobHandler, WebhookJobHandler>();
        return services;
    }
}
