using System.Text;
using System.Text.Json;
using Berth.Distribution;
using Berth.Oci;
using Microsoft.Extensions.Options;

namespace Berth.Auth;

/// <summary><c>GET /service/token</c>: the Docker registry token protocol, answered as Harbor answers it.</summary>
/// <remarks>
/// Each <c>scope</c> (<c>repository:&lt;name&gt;:&lt;actions&gt;</c>) is granted the intersection of what was asked and what
/// RBAC allows; an unknown project or a malformed scope grants nothing rather than failing the request. Anonymous
/// callers get a token only when they ask for a scope (so a failed <c>docker login</c> fails), holding what anonymous
/// may do: pull from public projects.
/// </remarks>
public static class TokenEndpoints
{
    private const int MaxScopes = 64;

    public static IEndpointRouteBuilder MapTokenService(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/service/token", IssueAsync);
        return endpoints;
    }

    private static async Task IssueAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var settings = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var cancellationToken = context.RequestAborted;
        var query = context.Request.Query;
        if (!string.Equals(query["service"].FirstOrDefault(), settings.Service, StringComparison.Ordinal))
        {
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unsupported, $"service must be '{settings.Service}'", status: 400));
            return;
        }

        var subject = Subject.Anonymous;
        var presented = context.Request.Headers.Authorization.Count > 0;
        if (presented && !BasicCredentials.TryRead(context.Request, out _, out _))
        {
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unauthorized, "the token service takes HTTP Basic credentials"));
            return;
        }

        if (BasicCredentials.TryRead(context.Request, out var username, out var password))
        {
            subject = await services.GetRequiredService<Authenticator>().AuthenticateAsync(username, password, cancellationToken)
                ?? Subject.Anonymous;
            if (subject.IsAnonymous)
            {
                await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unauthorized, "invalid username or password"));
                return;
            }
        }

        var scopes = query["scope"].SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).Take(MaxScopes).ToList();
        if (subject.IsAnonymous && scopes.Count == 0)
        {
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{settings.Service}\"";
            await OciResults.WriteErrorAsync(context, OciError.Of(ErrorCode.Unauthorized, "authentication required"));
            return;
        }

        var rbac = services.GetRequiredService<RbacEvaluator>();
        var access = new List<TokenAccess>();
        foreach (var scope in scopes)
        {
            access.Add(await GrantAsync(rbac, subject, scope, cancellationToken));
        }

        var token = await services.GetRequiredService<TokenService>().IssueAsync(subject, access, cancellationToken);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("token", token.Token);
        writer.WriteString("access_token", token.Token);
        writer.WriteNumber("expires_in", token.ExpiresIn);
        writer.WriteString("issued_at", token.IssuedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }

    /// <summary>One scope, <c>type:name:actions</c>, where the name may itself hold colons.</summary>
    private static async Task<TokenAccess> GrantAsync(RbacEvaluator rbac, Subject subject, string scope, CancellationToken cancellationToken)
    {
        var first = scope.IndexOf(':', StringComparison.Ordinal);
        var last = scope.LastIndexOf(':');
        if (first <= 0 || last <= first)
        {
            return new TokenAccess("", "", []);
        }

        var type = scope[..first];
        var name = scope[(first + 1)..last];
        var requested = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (type == "registry" && name == "catalog")
        {
            return new TokenAccess(type, name, requested.Contains("*") && RbacEvaluator.CanInSystem(subject, Rbac.Catalog, Rbac.Read) ? ["*"] : []);
        }

        if (type != "repository" || !RepositoryName.IsValid(name) || !name.Contains('/', StringComparison.Ordinal))
        {
            return new TokenAccess(type, name, []);
        }

        var allowed = await rbac.RepositoryActionsAsync(subject, name[..name.IndexOf('/', StringComparison.Ordinal)], cancellationToken);
        var granted = requested.Contains("*") ? allowed.ToList() : allowed.Where(requested.Contains).ToList();
        return new TokenAccess(type, name, granted.Order(StringComparer.Ordinal).ToList());
    }
}

/// <summary>Reads HTTP Basic credentials.</summary>
public static class BasicCredentials
{
    public static bool TryRead(HttpRequest request, out string username, out string password)
    {
        username = password = "";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.Length > 4096)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        username = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
