using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Berth.Webhooks;

/// <summary>The HTTP clients webhooks are sent with: one that verifies certificates, one for targets that skip the check.</summary>
/// <remarks>Neither follows redirects (a redirect could lead past the egress check's choice of address) and both connect through <see cref="WebhookEgress"/>.</remarks>
public static class WebhookHttp
{
    public const string Verified = "webhook";
    public const string Insecure = "webhook-insecure";

    /// <summary>Where a delivery's log goes: set on a request's options, the retry handler writes each failed attempt there.</summary>
    public static readonly HttpRequestOptionsKey<Action<string>> LogKey = new("berth.webhook.log");

    internal static readonly ResiliencePropertyKey<Action<string>> LogProperty = new("berth.webhook.log");

    public static IServiceCollection AddWebhookHttp(this IServiceCollection services)
    {
        foreach (var (name, skipVerify) in new[] { (Verified, false), (Insecure, true) })
        {
            services.AddHttpClient(name, client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(() => Handler(skipVerify))
                .AddHttpMessageHandler(sp => new WebhookRetryHandler(Pipeline(sp.GetRequiredService<IOptions<WebhookOptions>>().Value)));
        }

        return services;
    }

    private static SocketsHttpHandler Handler(bool skipVerify)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = WebhookEgress.ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        if (skipVerify)
        {
            // The policy asked for it (skip_cert_verify): self-signed receivers on a private network.
#pragma warning disable CA5359 // Certificate validation is off only for targets whose policy says skip_cert_verify.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return handler;
    }

    private static ResiliencePipeline<HttpResponseMessage> Pipeline(WebhookOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
                OnRetry = args =>
                {
                    var why = args.Outcome.Exception?.Message ?? $"answered {(int)args.Outcome.Result!.StatusCode} {args.Outcome.Result.ReasonPhrase}";
                    if (args.Context.Properties.TryGetValue(LogProperty, out var log))
                    {
                        log($"attempt {args.AttemptNumber + 1} failed: {why}; trying again in {args.RetryDelay.TotalSeconds:0.###} s");
                    }

                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        return builder.AddTimeout(options.Timeout).Build();
    }
}

/// <summary>Runs each webhook request through the retry and timeout pipeline (Polly), resending the same message.</summary>
internal sealed class WebhookRetryHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        if (request.Options.TryGetValue(WebhookHttp.LogKey, out var log))
        {
            context.Properties.Set(WebhookHttp.LogProperty, log);
        }

        try
        {
            return await pipeline.ExecuteAsync(static async (ctx, state) => await state.Handler.SendOnceAsync(state.Request, ctx.CancellationToken),
                context, (Handler: this, Request: request));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
}
