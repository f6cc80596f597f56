using System.Security.Cryptography;
using Berth.Api;
using Microsoft.Extensions.Options;

namespace Berth.Auth;

/// <summary>Harbor's CSRF protection for cookie sessions: header <c>X-Harbor-CSRF-Token</c>, cookie <c>_gorilla_csrf</c>.</summary>
/// <remarks>
/// <para>
/// Checked on unsafe methods under <c>/api/</c>, <c>/v2/</c> and <c>/service/</c> only when the request carries the
/// session cookie (HTTP Basic needs no CSRF token), and always under <c>/c/</c>. Every response to a checked path
/// carries a fresh header; a refused request gets 403 with a fresh header and cookie, so clients such as the Terraform
/// provider retry with both, as they do against Harbor.
/// </para>
/// <para>
/// The cookie holds a random 32-byte token with an HMAC made with a key derived from the installation's signing key, so
/// a cookie planted by someone else fails. The header holds the token masked with a fresh one-time pad (the length and
/// bytes differ on every response, as gorilla/csrf does it), compared in constant time.
/// </para>
/// </remarks>
public sealed class CsrfMiddleware(RequestDelegate next, SigningKeyStore keys, IOptions<Hosting.ServerOptions> server)
{
    public const string Header = "X-Harbor-CSRF-Token";
    public const string Cookie = "_gorilla_csrf";
    private const string KeyPurpose = "berth csrf cookie";
    private const int TokenBytes = 32;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsGuarded(context.Request))
        {
            await next(context);
            return;
        }

        var key = await keys.DerivedKeyAsync(KeyPurpose, context.RequestAborted);
        var token = ReadCookie(context.Request.Cookies[Cookie], key);
        var fresh = token is null;
        token ??= RandomNumberGenerator.GetBytes(TokenBytes);
        context.Response.Headers[Header] = Mask(token);
        if (fresh)
        {
            context.Response.Cookies.Append(Cookie, WriteCookie(token, key), new CookieOptions
            {
                HttpOnly = true,
                Secure = IsSecure(context),
                SameSite = SameSiteMode.Strict,
                Path = "/",
                MaxAge = TimeSpan.FromHours(12),
            });
        }

        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && (fresh || Unmask(context.Request.Headers[Header].ToString()) is not { } presented
            || !CryptographicOperations.FixedTimeEquals(presented, token)))
        {
            await HarborErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "FORBIDDEN", "CSRF token invalid");
            return;
        }

        await next(context);
    }

    /// <summary>Whether the request goes through the CSRF layer (as Harbor draws it).</summary>
    public static bool IsGuarded(HttpRequest request)
    {
        var path = request.Path;
        if (path.StartsWithSegments("/c", StringComparison.Ordinal))
        {
            return true;
        }

        return request.Cookies.ContainsKey(SessionStore.Cookie)
            && (path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/v2", StringComparison.Ordinal)
                || path.StartsWithSegments("/service", StringComparison.Ordinal));
    }

    /// <summary>Secure cookies unless Berth is reached over plain HTTP.</summary>
    public bool IsSecure(HttpContext context) =>
        context.Request.IsHttps || server.Value.ExternalUrl?.Scheme == Uri.UriSchemeHttps;

    private static string Mask(byte[] token)
    {
        var masked = new byte[TokenBytes * 2];
        RandomNumberGenerator.Fill(masked.AsSpan(0, TokenBytes));
        for (var i = 0; i < TokenBytes; i++)
        {
            masked[TokenBytes + i] = (byte)(masked[i] ^ token[i]);
        }

        return Convert.ToBase64String(masked);
    }

    private static byte[]? Unmask(string header)
    {
        var masked = new byte[TokenBytes * 2];
        if (header.Length > 128 || !Convert.TryFromBase64String(header, masked, out var written) || written != masked.Length)
        {
            return null;
        }

        var token = new byte[TokenBytes];
        for (var i = 0; i < TokenBytes; i++)
        {
            token[i] = (byte)(masked[i] ^ masked[TokenBytes + i]);
        }

        return token;
    }

    private static string WriteCookie(byte[] token, byte[] key) =>
        Base64Url(token) + "." + Base64Url(HMACSHA256.HashData(key, token));

    private static byte[]? ReadCookie(string? value, byte[] key)
    {
        var dot = value?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (value is null || dot <= 0 || value.Length > 256)
        {
            return null;
        }

        try
        {
            var token = Convert.FromBase64String(FromBase64Url(value[..dot]));
            var mac = Convert.FromBase64String(FromBase64Url(value[(dot + 1)..]));
            return token.Length == TokenBytes && CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(key, token)) ? token : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
    }
}
