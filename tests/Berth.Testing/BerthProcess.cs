using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Berth.Hosting;

namespace Berth.Testing;

/// <summary>Berth as a separate process (<c>dotnet berth.dll …</c>), for what only a real process shows: signals, flags, exit codes.</summary>
public sealed class BerthProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const string ListeningLine = "Now listening on: ";

    private BerthProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Id => _process.Id;

    /// <summary>The address Kestrel reported it bound, once it has.</summary>
    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("berth has not reported its address yet");

    public static string Dll => typeof(BerthApp).Assembly.Location;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static BerthProcess Start(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new BerthProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start berth"));
    }

    /// <summary>
    /// Starts <c>berth</c> on a port the kernel picks (<c>--listen 127.0.0.1:0</c>) and waits until it serves there.
    /// A port chosen by the test and handed over later can be taken by another process in between; this one cannot.
    /// </summary>
    public static Task<BerthProcess> StartServingAsync(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartServingAsConfiguredAsync(workingDirectory, [.. arguments, "--listen", "127.0.0.1:0"], environment);

    /// <summary>
    /// Starts <c>berth</c> where its configuration (flag, environment or <c>berth.json</c>) says it listens, and waits
    /// until it serves at the address it reported (<see cref="Address"/>); give it port 0 so that the kernel picks it.
    /// </summary>
    public static async Task<BerthProcess> StartServingAsConfiguredAsync(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Start(workingDirectory, arguments, environment);
        try
        {
            var exited = process._process.WaitForExitAsync();
            var first = await Task.WhenAny(process._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
            if (first != process._listening.Task)
            {
                throw new InvalidOperationException(first == exited
                    ? $"berth exited with {process._process.ExitCode} before it listened:\n{process.Output}"
                    : $"berth did not report an address within 90 s:\n{process.Output}");
            }

            await process.WaitUntilServingAsync(process.Address);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="address"/> answers <c>GET /api/v2.0/ping</c>.</summary>
    public async Task WaitUntilServingAsync(Uri address)
    {
        // A fresh process compiles its whole pipeline on the first request: on a loaded machine that alone takes seconds.
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(15) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"berth exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync("/api/v2.0/ping");
                // Another process may answer on a port this one failed to bind: only its own report counts.
                if (response.IsSuccessStatusCode && Output.Contains(ListeningLine + address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"berth did not start serving on {address}:\n{Output}");
    }

    /// <summary>Sends SIGTERM, as an orchestrator stopping a container does.</summary>
    public void Terminate()
    {
        if (Signal(_process.Id, 15) != 0)
        {
            // The usual reason is that berth already exited on its own: that is the bug to show, with what it printed.
            var exited = _process.WaitForExit(TimeSpan.FromSeconds(5)) ? $"it exited with {_process.ExitCode}" : "it is still running";
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed; {exited}:\n{Output}");
        }
    }

    /// <summary>SIGKILL: the process dies between two instructions, as in a power cut or an OOM kill.</summary>
    public async Task KillHardAsync()
    {
        if (Signal(_process.Id, 9) != 0)
        {
            throw new InvalidOperationException($"kill -KILL {_process.Id} failed");
        }

        await _process.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        var at = line.IndexOf(ListeningLine, StringComparison.Ordinal);
        if (at >= 0 && Uri.TryCreate(line[(at + ListeningLine.Length)..].Trim(), UriKind.Absolute, out var address))
        {
            _listening.TrySetResult(address);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
