using Berth.Data;
using Berth.Data.Entities;

namespace Berth.Events;

/// <summary>Records events in the outbox, in the caller's DbContext and so in the caller's transaction.</summary>
/// <remarks>
/// An event is written with the change it describes or not at all: <see cref="Add"/> stages the row for the caller's next
/// <c>SaveChanges</c>; <see cref="AddAsync"/> saves it at once, for callers whose change went through <c>ExecuteDelete</c>.
/// The origin is the current request's caller, or <see cref="EventOrigin.System"/> outside a request.
/// </remarks>
public sealed class EventLog(BerthDbContext db, IHttpContextAccessor http, TimeProvider clock, EventSignal signal)
{
    public OutboxEvent Add(string type, EventData data, long? projectId = null, EventOrigin? origin = null, DateTime? at = null)
    {
        origin ??= http.HttpContext is { } context ? EventOrigin.From(context) : EventOrigin.System;
        var row = new OutboxEvent
        {
            Type = type,
            OccurredAt = at ?? clock.GetUtcNow().UtcDateTime,
            Operator = origin.Operator,
            RequestId = origin.RequestId,
            ProjectId = projectId,
            Data = data.Serialize(),
        };
        db.Events.Add(row);
        // The dispatcher looks when woken; a row not yet committed then is found by its next poll.
        signal.Notify();
        return row;
    }

    public async Task AddAsync(string type, EventData data, CancellationToken cancellationToken, long? projectId = null)
    {
        Add(type, data, projectId);
        await db.SaveChangesAsync(cancellationToken);
    }
}
