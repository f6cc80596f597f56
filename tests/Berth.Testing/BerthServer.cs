using Berth.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Testing;

/// <summary>The real Berth, on Kestrel on a free loopback port, over SQLite and the filesystem driver in a temp dir.</summary>
public sealed class BerthServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BerthServer(WebApplication app, string dataDirectory, Uri address)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Address = address;
        // No cookie jars: a session cookie one test receives must not reach another test's requests.
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", TestCredentials.AdminAuthorization);
        Anonymous = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public string DataDirectory { get; }

    public Uri Address { get; }

    /// <summary><c>127.0.0.1:port</c>, as registry clients name the registry.</summary>
    public string HostPort => $"{Address.Host}:{Address.Port}";

    /// <summary>A client that sends the administrator's Basic credentials with every request.</summary>
    public HttpClient Client { get; }

    /// <summary>A client without credentials.</summary>
    public HttpClient Anonymous { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Sends a request as <paramref name="authorization"/> (an <c>Authorization</c> value, or null for anonymous), with an optional JSON body.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? authorization, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await Anonymous.SendAsync(request);
    }

    public static async Task<BerthServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        // A server given another's data directory shares its database, SQLite file or PostgreSQL database (two replicas).
        var dataDirectory = settings?.GetValueOrDefault("Server:DataDirectory") ?? Directory.CreateTempSubdirectory("berth-test-").FullName;
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Server:Listen"] = "127.0.0.1:0",
            ["Server:DataDirectory"] = dataDirectory,
            ["Admin:Password"] = TestCredentials.AdminPassword,
        };
        if (TestTemplate.Applies(settings))
        {
            await TestTemplate.CopyIntoAsync(dataDirectory);
        }

        // A test that names its database (an empty Database:Url is SQLite) gets that one.
        if (settings?.ContainsKey("Database:Url") != true
            && (TestDatabase.UrlOf(dataDirectory) ?? await TestDatabase.CreateAsync(dataDirectory)) is { } database)
        {
            overrides["Database:Url"] = database;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = BerthApp.Build(BerthConfiguration.Build(null, overrides));
        await BerthApp.MigrateAsync(app.Services, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new BerthServer(app, overrides["Server:DataDirectory"]!, new Uri(address));
        await TestCredentials.CreateProjectsAsync(server.DataDirectory);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await TestDatabase.DropAsync(DataDirectory);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
