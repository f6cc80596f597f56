using Berth.Oci;
using Microsoft.Extensions.Options;

namespace Berth.Auth;

/// <summary>Who a <c>/v2/</c> request comes from: a Basic-authenticated subject, a bearer token's grants, or nobody.</summary>
public sealed class RegistryPrincipal
{
    private static readonly object Key = new();

    private RegistryPrincipal(Subject subject, ValidatedToken? token, bool credentialsRefused)
    {
        Subject = subject;
        Token = token;
        CredentialsRefused = credentialsRefused;
    }

    public Subject Subject { get; }

    public ValidatedToken? Token { get; }

    /// <summary>Credentials were presented and refused (a wrong password, an invalid token).</summary>
    public bool CredentialsRefused { get; }

    /// <summary>No valid credentials at all: what anonymous may do is all that is allowed.</summary>
    public bool IsAnonymous => Token is null && Subject.IsAnonymous;

    /// <summary>Resolves the request's principal once and keeps it on the request.</summary>
    public static async Task<RegistryPrincipal> GetAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var cached) && cached is RegistryPrincipal principal)
        {
            return principal;
        }

        principal = await ResolveAsync(context);
        context.Items[Key] = principal;
        return principal;
    }

    /// <summary>The principal if this request has already been authenticated, without authenticating it.</summary>
    public static RegistryPrincipal? Current(HttpContext context) => context.Items.TryGetValue(Key, out var known) ? known as RegistryPrincipal : null;

    /// <summary>Whether the principal may take <paramref name="action"/> on repository <paramref name="repository"/>.</summary>
    public async Task<bool> CanAsync(HttpContext context, string repository, string action)
    {
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false; // no project, no permission: a repository lives in a project
        }

        if (Token is { } token)
        {
            if (!token.RepositoryActions(repository).Contains(action))
            {
                return false;
            }

            // A token older than its project was minted for a project of that name that has since been deleted.
            var created = await context.RequestServices.GetRequiredService<ProjectCreationTimes>().GetAsync(repository[..slash], context.RequestAborted);
            return created is { } time && time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond)) <= token.IssuedAt;
        }

        return await context.RequestServices.GetRequiredService<RbacEvaluator>()
            .CanAsync(Subject, repository[..slash], action, context.RequestAborted);
    }

    public bool CanReadCatalog => Token is { } token
        ? token.Access.Any(a => a.Type == "registry" && a.Name == "catalog" && a.Actions.Contains("*"))
        : RbacEvaluator.CanInSystem(Subject, Rbac.Catalog, Rbac.Read);

    private static async Task<RegistryPrincipal> ResolveAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return new RegistryPrincipal(Subject.Anonymous, null, false);
        }

        var services = context.RequestServices;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = await services.GetRequiredService<TokenService>().ValidateAsync(header[7..].Trim(), context.RequestAborted);
            return new RegistryPrincipal(Subject.Anonymous, token, token is null);
        }

        if (!BasicCredentials.TryRead(context.Request, out var username, out var password))
        {
            return new RegistryPrincipal(Subject.Anonymous, null, true);
        }

        var subject = await services.GetRequiredService<Authenticator>().AuthenticateAsync(username, password, context.RequestAborted);
        return subject is null ? new RegistryPrincipal(Subject.Anonymous, null, true) : new RegistryPrincipal(subject, null, false);
    }

    /// <summary>The <c>WWW-Authenticate</c> challenge that sends a client to the token service for <paramref name="scope"/>.</summary>
    public static string Challenge(HttpContext context, string? scope, bool insufficientScope)
    {
        var services = context.RequestServices;
        var service = services.GetRequiredService<IOptions<AuthOptions>>().Value.Service;
        var external = services.GetRequiredService<IOptions<Hosting.ServerOptions>>().Value.ExternalUrl;
        var realm = (external?.ToString().TrimEnd('/') ?? $"{context.Request.Scheme}://{context.Request.Host}") + "/service/token";
        var challenge = $"Bearer realm=\"{realm}\",service=\"{service}\"";
        if (scope is not null)
        {
            challenge += $",scope=\"{scope}\"";
        }

        return insufficientScope ? challenge + ",error=\"insufficient_scope\"" : challenge;
    }

    /// <summary>The spec's answer to a request that may not go on: 401 with a challenge, or 403 for a known user without the right.</summary>
    public Exception Refuse(HttpContext context, string? scope)
    {
        if (!IsAnonymous && !CredentialsRefused && Token is null)
        {
            return new Distribution.DistributionException(OciError.Of(ErrorCode.Denied,
                "requested access to the resource is denied", scope));
        }

        context.Response.Headers.WWWAuthenticate = Challenge(context, scope, insufficientScope: Token is not null);
        return new Distribution.DistributionException(OciError.Of(ErrorCode.Unauthorized,
            CredentialsRefused ? "invalid credentials" : "authentication required", scope));
    }
}
