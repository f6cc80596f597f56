namespace Berth.Storage;

/// <summary>The decorator in front of every driver: no path outside <see cref="StoragePath"/>'s grammar reaches one.</summary>
public sealed class PathCheckingStorageDriver(IStorageDriver inner) : IStorageDriver
{
    public string Name => inner.Name;

    public IStorageDriver Inner => inner;

    public Task<byte[]> GetContentAsync(string path, CancellationToken cancellationToken) =>
        inner.GetContentAsync(Check(path), cancellationToken);

    public Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        inner.PutContentAsync(Check(path), content, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return inner.OpenReadAsync(Check(path), offset, cancellationToken);
    }

    public Task<IStorageWriter> OpenWriteAsync(string path, bool append, CancellationToken cancellationToken) =>
        inner.OpenWriteAsync(Check(path), append, cancellationToken);

    public Task<StorageFileInfo?> StatAsync(string path, CancellationToken cancellationToken) =>
        inner.StatAsync(Check(path), cancellationToken);

    public IAsyncEnumerable<string> ListAsync(string path, CancellationToken cancellationToken) =>
        inner.ListAsync(Check(path), cancellationToken);

    public IAsyncEnumerable<StorageFileInfo> WalkAsync(string path, WalkOptions options, CancellationToken cancellationToken) =>
        inner.WalkAsync(Check(path), options, cancellationToken);

    public Task MoveAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken) =>
        inner.MoveAsync(Check(sourcePath), Check(destinationPath), cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        if (Check(path) == "/")
        {
            throw new InvalidStoragePathException(Name, path);
        }

        return inner.DeleteAsync(path, cancellationToken);
    }

    public Task<int> DeleteManyAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            if (Check(path) == "/")
            {
                throw new InvalidStoragePathException(Name, path);
            }
        }

        return inner.DeleteManyAsync(paths, cancellationToken);
    }

    public ValueTask<Uri?> GetRedirectUriAsync(string path, CancellationToken cancellationToken) =>
        inner.GetRedirectUriAsync(Check(path), cancellationToken);

    private string Check(string path) =>
        StoragePath.IsValid(path) ? path : throw new InvalidStoragePathException(Name, path);
}
