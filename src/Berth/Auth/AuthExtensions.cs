using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Berth.Auth;

public static class AuthExtensions
{
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<InstallationKeyStore>();
        services.AddSingleton<CredentialProtector>();
        services.AddSingleton<DatabaseXmlRepository>();
        // One key ring for every replica, in the database; without this each process would make its own.
        services.AddDataProtection().SetApplicationName("berth");
        services.AddOptions<KeyManagementOptions>()
            .Configure<DatabaseXmlRepository>((options, repository) => options.XmlRepository = repository);
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
