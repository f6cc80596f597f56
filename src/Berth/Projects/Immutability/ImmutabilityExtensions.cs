namespace Berth.Projects.Immutability;

/// <summary>Registers and maps tag immutability: the rules API and the checks the registry and the Harbor API make.</summary>
public static class ImmutabilityExtensions
{
    public static IServiceCollection AddImmutability(this IServiceCollection services)
    {
        services.AddSingleton<ImmutableRuleCache>();
        services.AddScoped<ImmutableRuleStore>();
        services.AddScoped<ImmutableTags>();
        return services;
    }
}
