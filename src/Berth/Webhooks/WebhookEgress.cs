using System.Net;
using System.Net.Sockets;

namespace Berth.Webhooks;

/// <summary>Where webhooks may connect: any address but link-local (cloud metadata services live there), unspecified, broadcast and multicast.</summary>
/// <remarks>
/// Checked on the addresses a name resolves to, at connect time, so a name that points at <c>169.254.169.254</c> is refused
/// however it is spelt. Loopback and private networks stay reachable: receivers on the same host or network are common.
/// </remarks>
public static class WebhookEgress
{
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var bytes = address.GetAddressBytes();
            return bytes[0] == 0 || bytes[0] >= 224 || (bytes[0] == 169 && bytes[1] == 254);
        }

        return address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6Multicast || address.IsIPv6SiteLocal
            || address.Equals(IPAddress.Parse("fd00:ec2::254"));
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to allowed addresses.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => !IsForbidden(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{host} resolves to no address webhooks may reach (link-local, metadata, unspecified or multicast)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
