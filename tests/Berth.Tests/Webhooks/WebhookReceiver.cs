using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Tests.Webhooks;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedHook(string Path, string? ContentType, string? Authorization, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>A real HTTP server on a loopback port that records every webhook it gets, and can fail the first few on purpose.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedHook> _received = new();
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Every request, failed ones included, in the order they came.</summary>
    public IReadOnlyList<ReceivedHook> Received => _received.ToList();

    /// <summary>Requests answered 200.</summary>
    public IReadOnlyList<ReceivedHook> Accepted => _received.Where(r => !r.Path.EndsWith("#failed", StringComparison.Ordinal)).ToList();

    public string Url { get; private set; } = "";

    /// <summary>Makes the next <paramref name="count"/> requests fail with 503.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    /// <summary>Starts a receiver; with <paramref name="tls"/>, over HTTPS with a self-signed certificate nobody trusts.</summary>
    public static async Task<WebhookReceiver> StartAsync(bool tls = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen =>
        {
            if (tls)
            {
                listen.UseHttps(SelfSigned());
            }
        }));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var failed = Interlocked.Decrement(ref receiver._failuresLeft) >= 0;
            receiver._received.Enqueue(new ReceivedHook(context.Request.Path + (failed ? "#failed" : ""), context.Request.ContentType,
                context.Request.Headers.Authorization.FirstOrDefault(), body));
            context.Response.StatusCode = failed ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
