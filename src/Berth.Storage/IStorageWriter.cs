namespace Berth.Storage;

/// <summary>Writes one object. Disposing a writer that was not committed cancels it.</summary>
public interface IStorageWriter : IAsyncDisposable
{
    /// <summary>The object's size so far, including content committed before this writer opened.</summary>
    long Size { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Makes what was written durable and visible. Only now may a reader see it.</summary>
    Task CommitAsync(CancellationToken cancellationToken);

    /// <summary>Discards what this writer wrote, keeping what was committed before it opened. Safe to call twice.</summary>
    Task CancelAsync(CancellationToken cancellationToken);
}
