using System.ComponentModel.DataAnnotations;

namespace Berth.Webhooks;

/// <summary>Webhook delivery. Section <c>Webhooks</c>.</summary>
/// <remarks>
/// A delivery is one job per target. Within an attempt of the job, a refused connection, a timeout, a 408, 429 or 5xx
/// answer is retried <see cref="Retries"/> times, <see cref="RetryDelay"/> apart at first and twice as long each time;
/// if the target still fails, the job fails that attempt and the job queue tries again later (<c>Jobs:MaxAttempts</c>,
/// <c>Jobs:RetryBackoff</c>).
/// </remarks>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long one request may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(0, 20)]
    public int Retries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
