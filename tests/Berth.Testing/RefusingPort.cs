using System.Net;
using System.Net.Sockets;

namespace Berth.Testing;

/// <summary>A loopback port bound and not listening: connections to it are refused, and while it is held nothing else
/// (another test's server) can start listening there, as it could on a port picked and closed again.</summary>
/// <remarks>Also compiled into Berth.Storage.Tests, which does not reference this library.</remarks>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}
