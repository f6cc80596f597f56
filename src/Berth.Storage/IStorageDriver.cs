namespace Berth.Storage;

/// <summary>A filesystem-like key/value store holding Berth's bytes: blobs and in-progress uploads.</summary>
/// <remarks>
/// Paths are absolute and '/'-separated; each component is made of <c>[A-Za-z0-9._-]</c> and is never <c>.</c> or
/// <c>..</c> (<see cref="StoragePath"/> checks them in front of every driver). Directories are implied by the paths
/// under them: listing or walking a path with nothing under it yields nothing. Every operation takes the request's
/// cancellation token down to the I/O. A store that fails or stalls surfaces as <see cref="StorageUnavailableException"/>
/// within a bounded time.
/// </remarks>
public interface IStorageDriver
{
    /// <summary>The driver's name, for errors, logs and metrics. Never branch on it.</summary>
    string Name { get; }

    /// <summary>Reads a whole object. For small objects only (manifests); blobs are streamed.</summary>
    /// <exception cref="StoragePathNotFoundException">Nothing is stored at <paramref name="path"/>.</exception>
    Task<byte[]> GetContentAsync(string path, CancellationToken cancellationToken);

    /// <summary>Stores a small object atomically and durably, replacing what was there.</summary>
    Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading from <paramref name="offset"/>.</summary>
    /// <exception cref="StoragePathNotFoundException">Nothing is stored at <paramref name="path"/>.</exception>
    Task<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken);

    /// <summary>Opens a writer. Nothing it writes is visible until <see cref="IStorageWriter.CommitAsync"/>.</summary>
    /// <param name="path">Where the object lives.</param>
    /// <param name="append">
    /// Continue the object already at <paramref name="path"/> (an upload's next chunk); its committed content stays
    /// whatever happens to this writer. Without it the writer replaces the object when it commits.
    /// </param>
    /// <param name="cancellationToken">Cancels the open.</param>
    Task<IStorageWriter> OpenWriteAsync(string path, bool append, CancellationToken cancellationToken);

    /// <summary>What is at <paramref name="path"/>, or null when nothing is.</summary>
    Task<StorageFileInfo?> StatAsync(string path, CancellationToken cancellationToken);

    /// <summary>The direct children of <paramref name="path"/>, files and directories, as absolute paths.</summary>
    IAsyncEnumerable<string> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>Every object under <paramref name="path"/>, recursively.</summary>
    IAsyncEnumerable<StorageFileInfo> WalkAsync(string path, WalkOptions options, CancellationToken cancellationToken);

    /// <summary>Moves an object, replacing the destination; the destination is whole and durable when this returns.</summary>
    /// <remarks>The destination's modification time is the time of the move, not the source's.</remarks>
    /// <exception cref="StoragePathNotFoundException">Nothing is stored at <paramref name="sourcePath"/>.</exception>
    Task MoveAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken);

    /// <summary>Deletes an object, or everything under a directory path.</summary>
    /// <exception cref="StoragePathNotFoundException">Nothing is stored at or under <paramref name="path"/>.</exception>
    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Deletes each path as <see cref="DeleteAsync"/> does, skipping paths with nothing stored.</summary>
    /// <returns>How many of the paths had something stored.</returns>
    /// <remarks>
    /// For sweeps (GC removes up to 100,000 blobs in a run): a driver deletes in as few requests to its store as it can,
    /// S3 a thousand objects per request. Not atomic: when it fails, any of the paths may be gone already.
    /// </remarks>
    Task<int> DeleteManyAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>A URL a client can fetch the object from directly, or null when Berth must serve the bytes.</summary>
    /// <remarks>
    /// The URL is good for a while only and for objects written whole or moved into place (blobs), not for an object an
    /// append is still growing. It serves <c>Range</c> requests as Berth would.
    /// </remarks>
    ValueTask<Uri?> GetRedirectUriAsync(string path, CancellationToken cancellationToken);
}
