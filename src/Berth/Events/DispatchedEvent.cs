using Berth.Data.Entities;

namespace Berth.Events;

/// <summary>An event as consumers get it: the outbox row, its details, and its project as it is now (null when gone).</summary>
public sealed record DispatchedEvent(OutboxEvent Event, EventData Data, EventProject? Project)
{
    public string Type => Event.Type;
}

/// <summary>The project an event concerns.</summary>
public sealed record EventProject(long Id, string Name, bool Public);
