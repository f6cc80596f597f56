using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Berth.Testing;

/// <summary>Debian's nginx as the load balancer in front of several Berth replicas: round robin, as an operator would set it up.</summary>
/// <remarks>
/// It runs in the foreground with everything it writes (pid, logs, temporary bodies) in its own directory. Bodies stream
/// through in both directions (no request buffering, no size limit), the client's <c>Host</c> goes upstream so that
/// <c>Location</c> headers and token realms name the balancer, and a request whose replica refuses the connection goes to
/// the next one.
/// </remarks>
public sealed class NginxBalancer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private NginxBalancer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    /// <summary>What nginx logged: its error log, then one access-log line per request with the replica that answered.</summary>
    public string Log => ReadShared(Path.Join(_directory, "error.log")) + ReadShared(Path.Join(_directory, "access.log"));

    /// <summary>Debian's nginx, or a failure (CI) or skip (elsewhere) saying that <c>./test.sh</c> installs it.</summary>
    public static string Executable => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Append("/usr/sbin").Select(d => Path.Join(d, "nginx")).FirstOrDefault(File.Exists) ?? throw TestRequirement.Missing("nginx is not installed: ./test.sh installs Debian's nginx package");

    /// <summary>Starts nginx on a free loopback port, balancing over the replicas on <paramref name="upstreamPorts"/>.</summary>
    /// <remarks>nginx cannot be told to take a port the kernel picks: the port is picked free and then handed over, and
    /// another test's server may take it in between. nginx then fails to bind and exits, and is started again elsewhere.</remarks>
    public static async Task<NginxBalancer> StartAsync(IReadOnlyList<int> upstreamPorts)
    {
        var executable = Executable;
        var directory = Directory.CreateTempSubdirectory("berth-nginx-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            var port = BerthProcess.FreePort();
            await File.WriteAllTextAsync(Path.Join(directory, "nginx.conf"), Config(directory, port, upstreamPorts));
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-p", directory + "/", "-c", Path.Join(directory, "nginx.conf"), "-e", Path.Join(directory, "error.log") })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start nginx");
            var balancer = new NginxBalancer(process, directory, port);
            if (await ListensAsync(process, port))
            {
                return balancer;
            }

            var log = await process.StandardError.ReadToEndAsync() + balancer.Log;
            var exitCode = process.ExitCode;
            process.Dispose();
            if (attempt >= 3 || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"nginx exited with {exitCode}: {log}");
            }

            File.Delete(Path.Join(directory, "error.log"));
        }
    }

    /// <summary>Whether nginx took connections on <paramref name="port"/> before it exited (or 20 s passed: then it throws).</summary>
    private static async Task<bool> ListensAsync(Process process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string Config(string directory, int port, IReadOnlyList<int> upstreamPorts)
    {
        var config = new StringBuilder();
        // As root, nginx's workers would run as nobody, who cannot write the request bodies into this directory.
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root;");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $$"""
            daemon off;
            worker_processes 2;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                log_format upstream '$time_iso8601 $request_method $request_uri $status from $upstream_addr ($upstream_status) in $request_time s';
                access_log {{directory}}/access.log upstream;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                upstream berth {
            """);
        foreach (var upstream in upstreamPorts)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"        server 127.0.0.1:{upstream};");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $$"""
                }
                server {
                    listen 127.0.0.1:{{port}};
                    client_max_body_size 0;
                    location / {
                        proxy_pass http://berth;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_request_buffering off;
                        proxy_buffering off;
                        proxy_connect_timeout 2s;
                        proxy_read_timeout 60s;
                        proxy_next_upstream error timeout;
                    }
                }
            }
            """);
        return config.ToString();
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
