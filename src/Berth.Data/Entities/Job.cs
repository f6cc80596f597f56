namespace Berth.Data.Entities;

/// <summary>One unit of background work on the durable queue, claimed by one worker at a time under a lease.</summary>
public sealed class Job
{
    public long Id { get; set; }

    /// <summary>Which handler runs it (<c>gc</c>, <c>upload-purge</c>, …).</summary>
    public required string Kind { get; set; }

    /// <summary>The handler's parameters as JSON.</summary>
    public string Payload { get; set; } = "{}";

    public JobState State { get; set; }

    public int Attempts { get; set; }

    public int MaxAttempts { get; set; }

    /// <summary>Not claimed before this instant (the backoff after a failed attempt).</summary>
    public DateTime RunAfter { get; set; }

    /// <summary>The worker holding the job; its claim lapses at <see cref="LeaseExpiresAt"/> unless renewed.</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>The task row this job runs for, when it is part of a user-visible execution.</summary>
    public long? TaskId { get; set; }

    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
