using Berth.Oci;

namespace Berth.Distribution;

/// <summary>Method checks for routes that share a path.</summary>
internal static class Methods
{
    /// <summary>Refuses any method not in <paramref name="allowed"/> with 405 <c>UNSUPPORTED</c> and an <c>Allow</c> header.</summary>
    public static void Require(HttpContext context, params string[] allowed)
    {
        var method = context.Request.Method;
        foreach (var candidate in allowed)
        {
            if (string.Equals(method, candidate, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        throw DistributionException.Of(ErrorCode.Unsupported, $"{method} is not supported here; use {string.Join(" or ", allowed)}");
    }
}
