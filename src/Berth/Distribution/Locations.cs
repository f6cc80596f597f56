using Berth.Hosting;
using Microsoft.Extensions.Options;

namespace Berth.Distribution;

/// <summary>Builds <c>Location</c> values: relative paths, or absolute under <c>Server:ExternalUrl</c> when it is set.</summary>
internal static class Locations
{
    public static string For(HttpContext context, string path)
    {
        var external = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.ExternalUrl;
        return external is null ? path : external.ToString().TrimEnd('/') + path;
    }
}
