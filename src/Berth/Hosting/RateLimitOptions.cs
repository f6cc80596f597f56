using System.ComponentModel.DataAnnotations;

namespace Berth.Hosting;

/// <summary>Per-client request limits on <c>/v2/</c>. Section <c>RateLimit</c>; off unless a rate is set.</summary>
/// <remarks>A client over its limit gets 429 <c>TOOMANYREQUESTS</c> with <c>Retry-After</c>, as the spec asks.</remarks>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Requests per second each client address may make on average; 0 turns limiting off.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; }

    /// <summary>How many requests a client may make at once above its rate; defaults to one second's worth.</summary>
    [Range(0, 10_000_000)]
    public int Burst { get; set; }
}
