using Berth.Auth;

namespace Berth.Api;

/// <summary>Who an <c>/api/v2.0</c> request comes from: HTTP Basic (scripts, Terraform) or nobody.</summary>
/// <remarks>Wrong credentials are a 401 at once, as Harbor answers them; session cookies and CSRF come with the portal.</remarks>
public static class ApiPrincipal
{
    public static async Task<Subject> GetAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
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

    /// <summary>The caller, who must hold the system-level permission to take <paramref name="action"/> on <paramref name="resource"/>.</summary>
    public static async Task<Subject> RequireSystemAsync(HttpContext context, string resource, string action)
    {
        var subject = await GetAsync(context);
        return RbacEvaluator.CanInSystem(subject, resource, action) ? subject : throw Refuse(subject);
    }

    /// <summary>Harbor's answer to a request its caller may not make: 401 for anonymous, 403 for anyone signed in.</summary>
    public static ApiException Refuse(Subject subject) => subject.IsAnonymous ? ApiException.Unauthorized() : ApiException.Forbidden();
}
