namespace Berth.Auth;

public static class AuthExtensions
{
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<CredentialCache>();
        services.AddSingleton<ProjectCreationTimes>();
        services.AddScoped<Authenticator>();
        services.AddScoped<RbacEvaluator>();
        services.AddScoped<SessionStore>();
        services.AddHostedService<IdentityBootstrap>();
        return services;
    }
}
