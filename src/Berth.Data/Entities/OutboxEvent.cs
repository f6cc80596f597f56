namespace Berth.Data.Entities;

/// <summary>
/// Something others care about (a push, a pull, a delete), written in the same transaction as the change itself: the
/// outbox the event dispatcher empties into the audit log, webhooks and whatever else consumes events.
/// </summary>
/// <remarks>
/// A row lives until every consumer has handled it, then it is deleted. A dispatcher claims rows by setting
/// <see cref="ClaimedBy"/> and <see cref="ClaimedUntil"/>; a row whose claim lapsed (its dispatcher died) is claimed again.
/// </remarks>
public sealed class OutboxEvent
{
    public long Id { get; set; }

    /// <summary>Harbor's event type: <c>PUSH_ARTIFACT</c>, <c>DELETE_PROJECT</c>, …</summary>
    public required string Type { get; set; }

    public DateTime OccurredAt { get; set; }

    /// <summary>Who did it: a user name, a robot's full name, or empty for an anonymous caller.</summary>
    public string Operator { get; set; } = "";

    /// <summary>The request that caused it, for tracing (CloudEvents' <c>requestid</c>).</summary>
    public string? RequestId { get; set; }

    /// <summary>The project it concerns, when known at the time (project events); else resolved from <see cref="Data"/>.</summary>
    public long? ProjectId { get; set; }

    /// <summary>The event's details as JSON: project, repository, digest, tags, and what a type adds.</summary>
    public string Data { get; set; } = "{}";

    public string? ClaimedBy { get; set; }

    public DateTime? ClaimedUntil { get; set; }

    /// <summary>Dispatch attempts that failed; after the dispatcher's limit the event is set aside (<see cref="Failed"/>).</summary>
    public int Attempts { get; set; }

    public bool Failed { get; set; }

    public string? LastError { get; set; }
}
