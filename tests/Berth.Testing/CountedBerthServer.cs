namespace Berth.Testing;

/// <summary>A test server whose SQL commands to its own database are counted, the counter made before the server as it must be.</summary>
public sealed class CountedBerthServer : IAsyncDisposable
{
    private CountedBerthServer(BerthServer server, SqlCommandCounter commands)
    {
        Server = server;
        Commands = commands;
    }

    public BerthServer Server { get; }

    public SqlCommandCounter Commands { get; }

    public static async Task<CountedBerthServer> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var commands = new SqlCommandCounter();
        try
        {
            var server = await BerthServer.StartAsync(settings);
            commands.DataDirectory = server.DataDirectory;
            return new CountedBerthServer(server, commands);
        }
        catch
        {
            commands.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Commands.Dispose();
        await Server.DisposeAsync();
    }
}
