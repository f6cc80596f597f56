using System.Net.Http.Headers;
using System.Text;
using Berth.Data;
using Berth.Testing;

namespace Berth.EndToEnd.Ha;

/// <summary>One Berth replica of the cluster: its process, its port and a client that speaks to it alone.</summary>
public sealed record Replica(string Name, BerthProcess Process)
{
    public Uri Address => Process.Address;

    public int Port => Address.Port;
}

/// <summary>
/// Berth deployed highly available: identical <c>berth serve</c> processes on one PostgreSQL database and one S3 prefix,
/// each with a data directory of its own that nothing else reads, and nginx round robin in front.
/// </summary>
public sealed class HaCluster : IAsyncDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("berth-ha-").FullName;
    private readonly List<Replica> _replicas = [];
    private readonly string _prefix = S3TestServer.NewPrefix();
    private string _database = "";

    private HaCluster()
    {
    }

    /// <summary>Where the test reads the shared database from (<see cref="OpenDatabase"/>).</summary>
    private string DatabaseMarker => Path.Join(_work, "database");

    public IReadOnlyList<Replica> Replicas => _replicas;

    public NginxBalancer? Balancer { get; private set; }

    /// <summary>Settings every replica gets: short job leases so that a dead replica's job is taken over within seconds.</summary>
    public static readonly Dictionary<string, string> Settings = new()
    {
        ["BERTH__Admin__Password"] = TestCredentials.AdminPassword,
        ["BERTH__Storage__S3__AccessKey"] = S3TestServer.AccessKey,
        ["BERTH__Storage__S3__SecretKey"] = S3TestServer.SecretKey,
        ["BERTH__Jobs__LeaseDuration"] = "00:00:03",
        ["BERTH__Jobs__PollInterval"] = "00:00:00.200",
        ["BERTH__Events__PollInterval"] = "00:00:00.200",
        // A webhook request waits for its answer longer than the test runs: only the sender's death ends it.
        ["BERTH__Webhooks__Timeout"] = "00:05:00",
        ["BERTH__Webhooks__Retries"] = "0",
    };

    /// <summary>Makes the database and checks that S3 and nginx are there, before anything starts.</summary>
    public static async Task<HaCluster> CreateAsync()
    {
        _ = S3TestServer.Endpoint;
        _ = NginxBalancer.Executable;
        var cluster = new HaCluster();
        Directory.CreateDirectory(cluster.DatabaseMarker);
        cluster._database = await TestDatabase.CreatePostgresAsync(cluster.DatabaseMarker);
        return cluster;
    }

    /// <summary>Starts replicas side by side and waits until each serves.</summary>
    public async Task<IReadOnlyList<Replica>> StartReplicasAsync(int count)
    {
        var storage = $"s3://{S3TestServer.Bucket}/{_prefix}?endpoint={Uri.EscapeDataString(S3TestServer.Endpoint)}&region=us-east-1";
        var names = Enumerable.Range(_replicas.Count + 1, count).Select(n => "r" + n).ToList();
        var starting = names.Select(name => BerthProcess.StartServingAsync(_work,
            ["serve", "--data-dir", Path.Join(_work, name), "--database", _database, "--storage", storage], Settings)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            // The cluster disposes only the replicas it holds: stop those that did start before reporting the one that did not.
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }

        var replicas = names.Zip(starting, (name, process) => new Replica(name, process.Result)).ToList();
        _replicas.AddRange(replicas);
        return replicas;
    }

    public async Task<NginxBalancer> StartBalancerAsync() =>
        Balancer = await NginxBalancer.StartAsync(_replicas.Select(r => r.Port).ToList());

    public BerthDbContext OpenDatabase() => DataDirectory.Open(DatabaseMarker);

    /// <summary>A client of <paramref name="address"/> with <paramref name="authorization"/> on every request (not on redirects to S3).</summary>
    public static HttpClient Client(Uri address, string authorization)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return client;
    }

    /// <summary>Everything the replicas and nginx printed, for a failure's message.</summary>
    public string Logs()
    {
        var logs = new StringBuilder();
        foreach (var replica in _replicas)
        {
            var output = replica.Process.Output;
            logs.AppendLine($"--- {replica.Name} (pid {replica.Process.Id}, port {replica.Port}), last lines:")
                .AppendLine(output.Length > 6000 ? output[^6000..] : output);
        }

        if (Balancer is not null)
        {
            var log = Balancer.Log;
            logs.AppendLine("--- nginx, last lines:").AppendLine(log.Length > 3000 ? log[^3000..] : log);
        }

        return logs.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Balancer is not null)
        {
            await Balancer.DisposeAsync();
        }

        foreach (var replica in _replicas)
        {
            await replica.Process.DisposeAsync();
        }

        await TestDatabase.DropAsync(DatabaseMarker);
        Directory.Delete(_work, recursive: true);
    }
}
