using System.Runtime.CompilerServices;

namespace Berth.Storage.Drivers.Filesystem;

/// <summary>Keeps objects as files under one root directory, crash-safely.</summary>
/// <remarks>
/// Whole objects are written to a temporary file beside their destination, fsynced, renamed into place and the
/// directory fsynced, so no reader ever sees a partial object and an acknowledged one survives a power cut.
/// Appends (upload chunks) go to the object itself; a cancelled append truncates back to where it started.
/// Temporary files start with <c>.tmp-</c> and are never listed.
/// </remarks>
public sealed class FilesystemStorageDriver : IStorageDriver
{
    /// <summary>How temporary files start; they are never listed or walked.</summary>
    public const string TempPrefix = ".tmp-";
    private readonly string _root;

    public FilesystemStorageDriver(string rootDirectory)
    {
        _root = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(_root);
    }

    public string Name => "filesystem";

    public async Task<byte[]> GetContentAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(Full(path), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new StoragePathNotFoundException(Name, path);
        }
    }

    public async Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var writer = await OpenWriteAsync(path, append: false, cancellationToken);
        await writer.WriteAsync(content, cancellationToken);
        await writer.CommitAsync(cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(Full(path), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
            if (offset > 0)
            {
                stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            }

            return Task.FromResult<Stream>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new StoragePathNotFoundException(Name, path);
        }
    }

    public Task<IStorageWriter> OpenWriteAsync(string path, bool append, CancellationToken cancellationToken)
    {
        var full = Full(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        IStorageWriter writer = append ? FilesystemAppendWriter.Open(full) : FilesystemReplaceWriter.Open(full);
        return Task.FromResult(writer);
    }

    public Task<StorageFileInfo?> StatAsync(string path, CancellationToken cancellationToken)
    {
        var full = Full(path);
        var file = new FileInfo(full);
        if (file.Exists)
        {
            return Task.FromResult<StorageFileInfo?>(new StorageFileInfo(path, file.Length, file.LastWriteTimeUtc, false));
        }

        var directory = new DirectoryInfo(full);
        return Task.FromResult(directory.Exists
            ? new StorageFileInfo(path, 0, directory.LastWriteTimeUtc, true)
            : null);
    }

    public async IAsyncEnumerable<string> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = new DirectoryInfo(Full(path));
        if (!directory.Exists)
        {
            yield break;
        }

        var prefix = path == "/" ? "/" : path + "/";
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!entry.Name.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                yield return prefix + entry.Name;
            }
        }

        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<StorageFileInfo> WalkAsync(string path, WalkOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = new DirectoryInfo(Full(path));
        if (!directory.Exists)
        {
            yield break;
        }

        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in directory.EnumerateFiles("*", enumeration))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal)
                || (options.ModifiedBefore is { } before && file.LastWriteTimeUtc >= before.UtcDateTime))
            {
                continue;
            }

            yield return new StorageFileInfo(Relative(file.FullName), file.Length, file.LastWriteTimeUtc, false);
        }

        await Task.CompletedTask;
    }

    public Task MoveAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken)
    {
        var source = Full(sourcePath);
        var destination = Full(destinationPath);
        if (!File.Exists(source))
        {
            throw new StoragePathNotFoundException(Name, sourcePath);
        }

        var destinationDirectory = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(destinationDirectory);
        // A moved object is new at its destination (as an S3 copy is), from the instant it appears there: GC's orphan
        // sweep goes by this time, and must never see a just-committed blob with the upload's older time.
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow);
        File.Move(source, destination, overwrite: true);
        DirectorySync.Sync(destinationDirectory);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var full = Full(path);
        if (File.Exists(full))
        {
            File.Delete(full);
        }
        else if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }
        else
        {
            throw new StoragePathNotFoundException(Name, path);
        }

        return Task.CompletedTask;
    }

    public async Task<int> DeleteManyAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await DeleteAsync(path, cancellationToken);
                deleted++;
            }
            catch (StoragePathNotFoundException)
            {
            }
        }

        return deleted;
    }

    public ValueTask<Uri?> GetRedirectUriAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult<Uri?>(null);

    /// <summary>The file behind <paramref name="path"/>, confined to the root (the path grammar is checked upstream).</summary>
    private string Full(string path)
    {
        var full = path == "/" ? _root : Path.Join(_root, path);
        return full.StartsWith(_root, StringComparison.Ordinal)
            ? full
            : throw new InvalidStoragePathException(Name, path);
    }

    private string Relative(string fullPath) => "/" + Path.GetRelativePath(_root, fullPath).Replace('\\', '/');

}
