namespace Berth.Projects.Immutability;

/// <summary>Registers tag immutability: the rules and their cache.</summary>
public static class ImmutabilityExtensions
{
    public static IServiceCollection AddImmutability(this IServiceCollection services)
    {
        services.AddSingleton<ImmutableRuleCache>();
        services.AddScoped<ImmutableRuleStore>();
        return services;
    }
}
