using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Storage.Drivers.S3;
using Berth.Testing;

namespace Berth.Storage.Tests;

/// <summary>A store that is down or stalls gives a clear error within a bounded time, never a hang.</summary>
/// <remarks>These need no S3 server: they point the driver at a closed port or at a socket that never answers.</remarks>
public sealed class S3FailureTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static S3StorageOptions OptionsFor(int port) => new()
    {
        Bucket = "berth-test",
        Endpoint = $"http://127.0.0.1:{port}",
        AccessKey = S3TestStore.AccessKey,
        SecretKey = S3TestStore.SecretKey,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        Timeout = TimeSpan.FromSeconds(2),
        StallTimeout = TimeSpan.FromSeconds(1),
    };

    private static S3StorageOptions WithTimeout(S3StorageOptions options, TimeSpan timeout)
    {
        options.Timeout = timeout;
        return options;
    }

    [Fact]
    public async Task A_stopped_store_fails_fast_naming_the_store()
    {
        using var closed = new RefusingPort();
        var port = closed.Port;
        using var driver = new S3StorageDriver(OptionsFor(port), S3TestStore.Credentials);
        foreach (var operation in new Func<Task>[]
        {
            () => driver.StatAsync("/blobs/x/data", Token),
            () => driver.GetContentAsync("/blobs/x/data", Token),
            () => driver.PutContentAsync("/blobs/x/data", "x"u8.ToArray(), Token),
            () => driver.DeleteManyAsync(["/a", "/b"], Token),
        })
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(operation);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.Contains($"S3 at http://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
            Assert.Equal("s3", error.DriverName);
        }
    }

    [Fact]
    public async Task A_store_that_accepts_and_never_answers_fails_within_the_timeout()
    {
        using var silent = new SilentServer(null);
        using var driver = new S3StorageDriver(OptionsFor(silent.Port), S3TestStore.Credentials);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => driver.StatAsync("/blobs/x/data", Token));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
        Assert.Contains("did not answer within 00:00:02", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_stops_half_way_fails_the_read_after_the_stall_timeout()
    {
        // Headers and ten of a thousand bytes, then nothing, the connection held open.
        using var stalling = new SilentServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/octet-stream\r\n\r\n0123456789");
        using var driver = new S3StorageDriver(OptionsFor(stalling.Port), S3TestStore.Credentials);
        await using var stream = await driver.OpenReadAsync("/blobs/x/data", 0, Token);
        var buffer = new byte[1000];
        var read = await stream.ReadAsync(buffer, Token);
        Assert.Equal("0123456789", Encoding.ASCII.GetString(buffer, 0, read));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await stream.ReadAtLeastAsync(buffer, 990, cancellationToken: Token));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        Assert.Contains("did not answer within 00:00:01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_cut_short_is_an_error_never_a_short_read()
    {
        using var cutting = new SilentServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/octet-stream\r\n\r\n0123456789", close: true);
        using var driver = new S3StorageDriver(OptionsFor(cutting.Port), S3TestStore.Credentials);
        await using var stream = await driver.OpenReadAsync("/blobs/x/data", 0, Token);
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await stream.ReadAtLeastAsync(new byte[1000], 1000, cancellationToken: Token));
        Assert.Contains($"S3 at http://127.0.0.1:{cutting.Port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_failing_with_500_is_unavailable_and_one_refusing_with_403_is_not()
    {
        const string failing = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: 94\r\n\r\n"
            + "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>\n";
        using (var broken = new SilentServer(failing, close: true))
        // The SDK retries a 500 with backoff before giving up: room for that on a busy machine, so the 500 is what is seen.
        using (var driver = new S3StorageDriver(WithTimeout(OptionsFor(broken.Port), TimeSpan.FromSeconds(15)), S3TestStore.Credentials))
        {
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => driver.PutContentAsync("/x", "x"u8.ToArray(), Token));
            Assert.Contains("answered 500 InternalError: We encountered an internal error.", error.Message, StringComparison.Ordinal);
        }

        const string refusing = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: 72\r\n\r\n"
            + "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        using (var strict = new SilentServer(refusing, close: true))
        using (var driver = new S3StorageDriver(OptionsFor(strict.Port), S3TestStore.Credentials))
        {
            var error = await Assert.ThrowsAsync<StorageException>(() => driver.PutContentAsync("/x", "x"u8.ToArray(), Token));
            Assert.IsNotType<StorageUnavailableException>(error);
            Assert.Contains("answered 403 AccessDenied: Access Denied", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Accepts connections, reads each request's headers, sends <c>reply</c> (if any), then keeps silent until
    /// disposed, or closes the connection when <c>close</c>.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _held = [];

        public SilentServer(string? reply, bool close = false)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_held)
                    {
                        _held.Add(client);
                    }

                    if (reply is not null)
                    {
                        _ = AnswerAsync(client, reply, close);
                    }
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AnswerAsync(TcpClient client, string reply, bool close)
        {
            var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), _stop.Token);
            await stream.FlushAsync(_stop.Token);
            if (close)
            {
                client.Client.Shutdown(SocketShutdown.Both);
                client.Dispose();
            }
        }
    }
}
