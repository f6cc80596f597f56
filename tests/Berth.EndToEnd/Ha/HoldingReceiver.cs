using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.EndToEnd.Ha;

/// <summary>A webhook receiver that never answers the first request, so that its sender holds the delivery job until it dies, and accepts every later one.</summary>
public sealed class HoldingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<string> _bodies = new();
    private int _count;

    private HoldingReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Every request's body, in the order they came.</summary>
    public IReadOnlyList<string> Bodies => _bodies.ToList();

    /// <summary>Completes when the first request has arrived (and is being held).</summary>
    public TaskCompletionSource FirstArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the sender of the first request went away without waiting for the answer.</summary>
    public TaskCompletionSource FirstAbandoned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a request after the first has been answered 200.</summary>
    public TaskCompletionSource Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<HoldingReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new HoldingReceiver(app);
        app.Run(receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        _bodies.Enqueue(await reader.ReadToEndAsync());
        if (Interlocked.Increment(ref _count) > 1)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.CompleteAsync();
            Accepted.TrySetResult();
            return;
        }

        FirstArrived.TrySetResult();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            FirstAbandoned.TrySetResult();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
