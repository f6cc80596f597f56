using System.Collections.Concurrent;
using Amazon.Runtime;

namespace Berth.Storage.Tests;

/// <summary>Gives the SDK an HTTP client that notes each request, so a test can see what reached the store and how.</summary>
internal sealed class RecordingHttpClientFactory : HttpClientFactory, IDisposable
{
    private readonly HttpClient _client;

    public RecordingHttpClientFactory() =>
        _client = new HttpClient(new Recorder(Requests, new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The sizes of the parts sent with their bytes (UploadPart), in the order sent.</summary>
    public IReadOnlyList<long> UploadedParts =>
        [.. Requests.Where(r => r.Method == "PUT" && r.PathAndQuery.Contains("partNumber=", StringComparison.Ordinal) && !r.IsCopy).Select(r => r.Length ?? 0)];

    /// <summary>How many parts the store was asked to copy from another object (UploadPartCopy).</summary>
    public int CopiedParts =>
        Requests.Count(r => r.Method == "PUT" && r.PathAndQuery.Contains("partNumber=", StringComparison.Ordinal) && r.IsCopy);

    /// <summary>One client for every request (the SDK is told not to cache or dispose it).</summary>
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public void Dispose() => _client.Dispose();

    public int Count(string method, string text) =>
        Requests.Count(r => r.Method == method && r.PathAndQuery.Contains(text, StringComparison.Ordinal));

    private sealed class Recorder(ConcurrentQueue<RecordedRequest> requests, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue(new RecordedRequest(request.Method.Method, request.RequestUri?.PathAndQuery ?? "",
                request.Content?.Headers.ContentLength, request.Headers.Contains("x-amz-copy-source")));
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>A request the SDK sent: method, path and query, body length, and whether it asked for a copy.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, long? Length, bool IsCopy);
