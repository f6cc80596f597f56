namespace Berth.Events;

/// <summary>Something that acts on events: the audit log, webhooks, and later replication and metrics.</summary>
/// <remarks>
/// Consumers are scoped and write through the dispatcher's DbContext: what they write commits in the transaction that
/// removes the event from the outbox, so each event is handled exactly once, even across crashes and replicas. Throwing
/// rolls back every consumer's work for the event; it is tried again later.
/// </remarks>
public interface IEventConsumer
{
    Task HandleAsync(DispatchedEvent dispatched, CancellationToken cancellationToken);
}
