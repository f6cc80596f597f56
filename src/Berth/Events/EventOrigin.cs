using Berth.Api;
using Berth.Auth;

namespace Berth.Events;

/// <summary>Who caused an event and through which request.</summary>
/// <param name="Operator">A user name, a robot's full name, or empty for an anonymous caller.</param>
/// <param name="RequestId">The request's <c>X-Request-Id</c>, or the server's own id for it.</param>
public sealed record EventOrigin(string Operator, string? RequestId)
{
    /// <summary>Work that no request asked for (a scheduled run, the command line).</summary>
    public static EventOrigin System { get; } = new("system", null);

    /// <summary>The caller of a request, as its API's authentication already resolved it.</summary>
    public static EventOrigin From(HttpContext context)
    {
        var name = RegistryPrincipal.Current(context) is { } registry
            ? registry.Token?.Subject ?? registry.Subject.Name
            : ApiPrincipal.Current(context)?.Name ?? "";
        var requestId = context.Request.Headers["X-Request-Id"].FirstOrDefault() is { Length: > 0 and <= 128 } given ? given : context.TraceIdentifier;
        return new EventOrigin(name, requestId);
    }
}
