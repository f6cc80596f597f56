using Berth.Auth;

namespace Berth.Api;

/// <summary>Who an <c>/api/v2.0</c> request comes from: HTTP Basic (users, robots, scripts, Terraform), a portal session, or nobody.</summary>
/// <remarks>Wrong credentials are a 401 at once, as Harbor answers them. CSRF for sessions is <see cref="CsrfMiddleware"/>'s.</remarks>
public static class ApiPrincipal
{
    private static readonly object Key = new();

    /// <summary>The caller: HTTP Basic when the request has credentials, else the session of cookie <c>sid</c>, else anonymous.</summary>
    /// <remarks>A session that has ended or expired leaves the caller anonymous, as in Harbor. The answer is kept on the request.</remarks>
    public static async Task<Subject> GetAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var known) && known is Subject cached)
        {
            return cached;
        }

        var subject = await ResolveAsync(context);
        context.Items[Key] = subject;
        return subject;
    }

    /// <summary>The caller if this request has already been authenticated, without authenticating it.</summary>
    public static Subject? Current(HttpContext context) => context.Items.TryGetValue(Key, out var known) ? known as Subject : null;

    private static async Task<Subject> ResolveAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
            if (context.Request.Cookies[SessionStore.Cookie] is { Length: > 0 } session)
            {
                var renew = !context.Request.Headers.ContainsKey(SessionStore.NoRenewalHeader);
                return await context.RequestServices.GetRequiredService<SessionStore>().FindAsync(session, renew, context.RequestAborted)
                    ?? Subject.Anonymous;
            }

            return Subject.Anonymous;
        }

        if (!BasicCredentials.TryRead(context.Request, out var username, out var password))
        {
            throw ApiException.Unauthorized();
        }

        return await context.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(username, password, context.RequestAborted)
            ?? throw ApiException.Unauthorized();
    }

    /// <summary>The caller, who must be signed in.</summary>
    public static async Task<Subject> RequireAsync(HttpContext context)
    {
        var subject = await GetAsync(context);
        return subject.IsAnonymous ? throw ApiException.Unauthorized() : subject;
    }

    /// <summary>The caller, who must be a system administrator.</summary>
    public static async Task<Subject> RequireSysAdminAsync(HttpContext context)
    {
        var subject = await GetAsync(context);
        return subject.SysAdmin ? subject : throw Refuse(subject);
    }

    /// <summary>The caller, who must hold a system-wide permission: a system administrator, or a system robot given it.</summary>
    public static async Task<Subject> RequireSystemAsync(HttpContext context, string resource, string action)
    {
        var subject = await GetAsync(context);
        return RbacEvaluator.CanInSystem(subject, resource, action) ? subject : throw Refuse(subject);
    }

    /// <summary>Harbor's answer to a request its caller may not make: 401 for anonymous, 403 for anyone signed in.</summary>
    public static ApiException Refuse(Subject subject) => subject.IsAnonymous ? ApiException.Unauthorized() : ApiException.Forbidden();
}
