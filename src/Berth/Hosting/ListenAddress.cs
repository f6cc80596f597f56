using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Berth.Hosting;

/// <summary>A parsed <c>HOST:PORT</c> listen address.</summary>
public sealed record ListenAddress(IPAddress Address, int Port)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out ListenAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > IPEndPoint.MaxPort)
        {
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        IPAddress? ip = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (ip is null)
        {
            return false;
        }

        address = new ListenAddress(ip, port);
        return true;
    }
}
