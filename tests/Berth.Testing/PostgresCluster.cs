using System.Globalization;

namespace Berth.Testing;

/// <summary>
/// A PostgreSQL server of a test's own (initdb, pg_ctl), for what the shared test server must not suffer: being restarted
/// under a running Berth. Its files live in a temporary directory; disposing stops it at once and deletes them.
/// </summary>
/// <remarks>
/// It uses Debian's PostgreSQL binaries (<c>/usr/lib/postgresql/N/bin</c>, which <c>./test.sh</c> installs). As root it
/// runs them as the package's <c>postgres</c> user, since initdb refuses root.
/// </remarks>
public sealed class PostgresCluster : IAsyncDisposable
{
    /// <summary>How many free ports a start tries: another process may take the one picked before the server binds it.</summary>
    private const int StartAttempts = 5;

    private readonly string _bin;
    private readonly string _directory;
    private readonly bool _asPostgres;

    private PostgresCluster(string bin, string directory, bool asPostgres)
    {
        _bin = bin;
        _directory = directory;
        _asPostgres = asPostgres;
    }

    /// <summary>The loopback port the server listens on, picked when it starts.</summary>
    public int Port { get; private set; }

    /// <summary>The URL of the cluster's <c>postgres</c> database, as <c>--database</c> takes it.</summary>
    public string Url => $"postgres://berth@127.0.0.1:{Port}/postgres";

    private string DataDirectory => Path.Join(_directory, "data");

    /// <summary>What the server logged: where a failed start or restart says why.</summary>
    public string Log => File.Exists(Path.Join(_directory, "log")) ? File.ReadAllText(Path.Join(_directory, "log")) : "";

    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Join(d, "bin"))
                .Where(d => File.Exists(Path.Join(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw TestRequirement.Missing("PostgreSQL's binaries are not in /usr/lib/postgresql/N/bin: ./test.sh installs Debian's postgresql package");
        }

        var directory = Directory.CreateTempSubdirectory("berth-pgcluster-").FullName;
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            await Tool.RunCheckedAsync("chown", "postgres", directory);
        }

        var cluster = new PostgresCluster(bin, directory, asPostgres);
        try
        {
            await cluster.RunAsync("initdb", "-D", cluster.DataDirectory, "-U", "berth", "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync");
            // The port is picked only now, after initdb's seconds, and picked again when something took it in between
            // (any client's outgoing connection may get it as its local port).
            for (var attempt = 1; ; attempt++)
            {
                cluster.Port = BerthProcess.FreePort();
                var logged = cluster.Log.Length;
                try
                {
                    await cluster.PgCtlAsync("start");
                    return cluster;
                }
                catch (InvalidOperationException) when (attempt < StartAttempts && cluster.Log[logged..].Contains("could not bind", StringComparison.Ordinal))
                {
                }
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>pg_ctl restart -m fast</c>: every session is ended, as in an operator's restart or a failover.</summary>
    public Task RestartAsync() => PgCtlAsync("restart", "-m", "fast");

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Join(DataDirectory, "postmaster.pid")))
        {
            var (file, arguments) = Invocation("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
            await Tool.RunAsync(file, arguments);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private Task PgCtlAsync(string action, params string[] more) =>
        RunAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Join(_directory, "log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", action, .. more]);

    private async Task RunAsync(string program, params string[] arguments)
    {
        var (file, all) = Invocation(program, arguments);
        var (exitCode, output) = await Tool.RunAsync(file, all, TimeSpan.FromMinutes(2));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {exitCode}:\n{output}\n{Log}");
        }
    }

    private (string File, string[] Arguments) Invocation(string program, params string[] arguments) =>
        _asPostgres ? ("runuser", ["-u", "postgres", "--", Path.Join(_bin, program), .. arguments]) : (Path.Join(_bin, program), arguments);
}
