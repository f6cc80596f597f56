using System.ComponentModel.DataAnnotations;

namespace Berth.Events;

/// <summary>The event dispatcher. Section <c>Events</c>; it runs wherever the job workers run.</summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>How often an idle dispatcher looks for events other replicas (or commands) recorded.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim lasts; events a dead dispatcher claimed are taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Events claimed and handed on in one transaction.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Failed hand-overs of one event before it is set aside (kept, with its error, for an operator to look at).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before a failed event is tried again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}
