using Berth.Testing;

namespace Berth.Tests;

/// <summary>One server per test class; each test uses its own repository names.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public BerthServer Server { get; private set; } = null!;

    public HttpClient Client => Server.Client;

    public async ValueTask InitializeAsync() => Server = await BerthServer.StartAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A repository name no other test uses.</summary>
    public static string NewRepository(string prefix = "test") => $"{prefix}/r{Guid.NewGuid():N}"[..30];
}
