namespace Berth.Events;

/// <summary>Wakes this replica's dispatcher when it records an event, so local events do not wait for the next poll.</summary>
public sealed class EventSignal : IDisposable
{
    private readonly SemaphoreSlim _pulse = new(0, 1);

    public void Notify()
    {
        try
        {
            _pulse.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every event recorded until the dispatcher looks.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => await _pulse.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pulse.Dispose();
}
