using Berth.Data;

namespace Berth.Events;

/// <summary>Events about work that was refused, recorded once the request's transaction has rolled back.</summary>
/// <remarks>
/// <see cref="EventLog"/> writes an event with the change it describes, in the same transaction; a refusal (a push over
/// its quota) has no change to ride with, and its transaction rolls back. The refusing code defers the event here, and
/// <c>UseDeferredEvents</c> writes it with a fresh context after the request has been answered. Work outside a
/// request must call <see cref="FlushAsync"/> itself.
/// </remarks>
public sealed class DeferredEvents(IServiceScopeFactory scopes, IHttpContextAccessor http)
{
    // Made on the first refusal only: every request's scope makes this service, and almost none defers anything.
    private List<(string Type, EventData Data, long? ProjectId, EventOrigin Origin, DateTime At)>? _pending;

    public void Defer(string type, EventData data, long? projectId, DateTime at) =>
        (_pending ??= []).Add((type, data, projectId, http.HttpContext is { } context ? EventOrigin.From(context) : EventOrigin.System, at));

    /// <summary>Records what was deferred, in a transaction of its own.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending is not { Count: > 0 })
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var events = scope.ServiceProvider.GetRequiredService<EventLog>();
        foreach (var (type, data, projectId, origin, at) in _pending)
        {
            events.Add(type, data, projectId, origin, at);
        }

        _pending.Clear();
        await scope.ServiceProvider.GetRequiredService<BerthDbContext>().SaveChangesAsync(cancellationToken);
    }
}
