namespace Berth.Storage.Drivers.Filesystem;

/// <summary>Writes a temporary file and renames it over the destination on commit.</summary>
internal sealed class FilesystemReplaceWriter : IStorageWriter
{
    private readonly string _destination;
    private readonly string _temporary;
    private readonly WriteBehind _writeBehind;
    private FileStream? _stream;

    private FilesystemReplaceWriter(string destination, string temporary, FileStream stream)
    {
        _destination = destination;
        _temporary = temporary;
        _stream = stream;
        _writeBehind = new WriteBehind(stream.SafeFileHandle, 0);
    }

    public long Size { get; private set; }

    public static FilesystemReplaceWriter Open(string destination)
    {
        var temporary = Path.Join(Path.GetDirectoryName(destination), FilesystemStorageDriver.TempPrefix + Guid.NewGuid().ToString("N"));
        var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
        });
        return new FilesystemReplaceWriter(destination, temporary, stream);
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new InvalidOperationException("the writer is closed");
        await stream.WriteAsync(buffer, cancellationToken);
        Size += buffer.Length;
        _writeBehind.Wrote(Size);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new InvalidOperationException("the writer is closed");
        stream.Flush(flushToDisk: true);
        _writeBehind.Committed(Size);
        await stream.DisposeAsync();
        _stream = null;
        File.Move(_temporary, _destination, overwrite: true);
        DirectorySync.Sync(Path.GetDirectoryName(_destination)!);
    }

    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_stream is { } stream)
        {
            await stream.DisposeAsync();
            _stream = null;
            File.Delete(_temporary);
        }
    }

    public async ValueTask DisposeAsync() => await CancelAsync(CancellationToken.None);
}
