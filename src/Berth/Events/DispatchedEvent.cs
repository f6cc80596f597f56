using Berth.Data.Entities;

namespace Berth.Events;

/// <summary>An event as consumers get it: the outbox row, its details, and its project as it is now (null when gone).</summary>
public sealed record DispatchedEvent(OutboxEvent Event, EventData Data, EventProject? Project)
{
    public string Type => Event.Type;

    /// <summary>Each event the row stands for: itself, or one per time when it groups alike events (<see cref="EventData.Times"/>).</summary>
    public IEnumerable<DispatchedEvent> Occurrences() => Data.Times is not { Count: > 0 } times
        ? [this]
        : times.Select(at => this with
        {
            Event = new OutboxEvent
            {
                Id = Event.Id,
                Type = Event.Type,
                OccurredAt = at,
                Operator = Event.Operator,
                RequestId = Event.RequestId,
                ProjectId = Event.ProjectId,
                Data = Event.Data,
            },
        });
}

/// <summary>The project an event concerns.</summary>
public sealed record EventProject(long Id, string Name, bool Public);
