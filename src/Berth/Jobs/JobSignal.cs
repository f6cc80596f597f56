namespace Berth.Jobs;

/// <summary>Wakes this process's idle workers when it enqueues a job, so local work does not wait for the next poll.</summary>
public sealed class JobSignal : IDisposable
{
    private readonly SemaphoreSlim _pulse = new(0, int.MaxValue);

    public void Notify() => _pulse.Release();

    /// <summary>Waits for a notification or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _pulse.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pulse.Dispose();
}
