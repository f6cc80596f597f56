using System.Net.Sockets;
using System.Text;

namespace Berth.Testing;

/// <summary>HTTP/1.1 over a bare socket, for what HttpClient will not send: dot segments, lying lengths, hang-ups.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> (request line and headers, without the blank line) and <paramref name="body"/>, reads the reply.</summary>
    public static async Task<(int Status, string Response)> SendAsync(Uri server, string head, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var request = head.TrimEnd('\r', '\n') + "\r\nHost: " + server.Authority + "\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (body is not null)
        {
            await stream.WriteAsync(body);
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }

    /// <summary>Sends a request head and part of the body it promises, then hangs up without reading an answer.</summary>
    public static async Task SendAndHangUpAsync(Uri server, string head, byte[] partialBody)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var request = head.TrimEnd('\r', '\n') + "\r\nHost: " + server.Authority + "\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await stream.WriteAsync(partialBody);
        await stream.FlushAsync();
        client.Client.LingerState = new LingerOption(true, 0);
        client.Close();
    }
}
