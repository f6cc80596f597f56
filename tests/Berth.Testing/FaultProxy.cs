using System.Net;
using System.Net.Sockets;

namespace Berth.Testing;

/// <summary>A TCP proxy on a loopback port that forwards to a real server until told to fail, for fault tests.</summary>
/// <remarks>
/// Put it between Berth and PostgreSQL or the S3 server. <see cref="Mode"/> decides what new and open connections get:
/// forwarded, cut (reset, and new ones reset at once), or stalled (accepted, and nothing ever answered).
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _open = [];
    private readonly Task _accepting;
    private volatile FaultMode _mode;

    public FaultProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    /// <summary>The proxy's own port, to give the client instead of the server's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What connections get from now on; cutting or stalling also ends or freezes those already open.</summary>
    public FaultMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == FaultMode.Cut)
            {
                CutOpenConnections();
            }
        }
    }

    /// <summary>How many connections were accepted so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>A proxy for the server a URL such as <c>http://127.0.0.1:9000</c> or <c>postgres://u@127.0.0.1:5432/db</c> names.</summary>
    public static FaultProxy For(Uri server) => new(new IPEndPoint(IPAddress.Parse(server.Host == "localhost" ? "127.0.0.1" : server.Host), server.Port));

    /// <summary><paramref name="url"/> with its host and port replaced by the proxy's.</summary>
    public string Through(string url) => new UriBuilder(url) { Host = "127.0.0.1", Port = Port }.Uri.ToString();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutOpenConnections();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        if (_mode == FaultMode.Cut)
        {
            Reset(client);
            return;
        }

        var server = new TcpClient();
        try
        {
            if (_mode == FaultMode.Forward)
            {
                await server.ConnectAsync(_target, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        lock (_open)
        {
            _open.Add((client, server));
        }

        try
        {
            if (!server.Connected)
            {
                // Stalled from the start: hold the connection and never answer.
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }

            using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), pair.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), pair.Token);
            await Task.WhenAny(up, down);
            await pair.CancelAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_open)
            {
                _open.Remove((client, server));
            }

            client.Dispose();
            server.Dispose();
        }
    }

    /// <summary>Copies one direction; while the proxy stalls, bytes are held back instead of forwarded.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                while (_mode == FaultMode.Stall)
                {
                    await Task.Delay(50, cancellationToken);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private void CutOpenConnections()
    {
        List<(TcpClient Client, TcpClient Server)> open;
        lock (_open)
        {
            open = [.. _open];
        }

        foreach (var (client, server) in open)
        {
            Reset(client);
            Reset(server);
        }
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { Connected: true } socket)
            {
                socket.LingerState = new LingerOption(true, 0); // RST, not FIN: the peer sees a broken connection
            }

            client.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>What a <see cref="FaultProxy"/> does with connections.</summary>
public enum FaultMode
{
    /// <summary>Forward both ways, as if the proxy were not there.</summary>
    Forward,

    /// <summary>Reset every open connection and each new one at once (the server crashed or restarts).</summary>
    Cut,

    /// <summary>Accept, and forward nothing more in either direction (the server hangs).</summary>
    Stall,
}
