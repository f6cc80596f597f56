using Berth.Api;
using Microsoft.AspNetCore.Http.Features;

namespace Berth.Auth;

/// <summary>The portal's sign-in, as Harbor has it: <c>POST /c/login</c> (form <c>principal</c>, <c>password</c>) and <c>GET /c/log_out</c>.</summary>
/// <remarks>
/// Sign-in goes through <see cref="Authenticator"/>, so failed logins are slowed down and lock the account like any
/// other; only users sign in here, never robots. Both paths are under <c>/c/</c>, so <see cref="CsrfMiddleware"/> checks
/// the login's CSRF token.
/// </remarks>
public static class LoginEndpoints
{
    private const long MaxFormBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/c").AddEndpointFilter<ApiErrorFilter>();
        group.MapPost("/login", LoginAsync);
        group.MapGet("/log_out", LogOutAsync);
        return endpoints;
    }

    private static async Task LoginAsync(HttpContext context, Authenticator authenticator, SessionStore sessions)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFormBytes;
        }

        if (!context.Request.HasFormContentType)
        {
            throw ApiException.BadRequest("sign in with a form: principal and password");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var principal = form["principal"].ToString();
        var password = form["password"].ToString();
        if (principal.Length == 0 || password.Length == 0)
        {
            throw ApiException.BadRequest("principal and password are required");
        }

        var subject = await authenticator.AuthenticateAsync(principal, password, context.RequestAborted);
        if (subject is not { IsUser: true })
        {
            throw ApiException.Unauthorized();
        }

        var token = await sessions.CreateAsync(subject.Id, context.RequestAborted);
        context.Response.Cookies.Append(SessionStore.Cookie, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps || context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.ServerOptions>>()
                .Value.ExternalUrl?.Scheme == Uri.UriSchemeHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/",
        });
    }

    private static async Task LogOutAsync(HttpContext context, SessionStore sessions)
    {
        if (context.Request.Cookies[SessionStore.Cookie] is { Length: > 0 } token)
        {
            await sessions.DeleteAsync(token, context.RequestAborted);
        }

        context.Response.Cookies.Delete(SessionStore.Cookie, new CookieOptions { Path = "/" });
    }
}
