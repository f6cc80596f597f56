namespace Berth.Storage.Drivers.Filesystem;

/// <summary>Appends to a file; commit fsyncs, cancel truncates back to the length it had when opened.</summary>
internal sealed class FilesystemAppendWriter : IStorageWriter
{
    private readonly long _committedLength;
    private readonly WriteBehind _writeBehind;
    private readonly bool _created;
    private readonly string _path;
    private FileStream? _stream;

    private FilesystemAppendWriter(string path, FileStream stream, bool created)
    {
        _path = path;
        _stream = stream;
        _created = created;
        _committedLength = stream.Length;
        _writeBehind = new WriteBehind(stream.SafeFileHandle, _committedLength);
        Size = _committedLength;
        stream.Seek(0, SeekOrigin.End);
    }

    public long Size { get; private set; }

    public static FilesystemAppendWriter Open(string path)
    {
        var created = !File.Exists(path);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
        });
        return new FilesystemAppendWriter(path, stream, created);
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
        if (_created)
        {
            DirectorySync.Sync(Path.GetDirectoryName(_path)!);
        }
    }

    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_stream is { } stream)
        {
            stream.SetLength(_committedLength);
            await stream.DisposeAsync();
            _stream = null;
            Size = _committedLength;
        }
    }

    public async ValueTask DisposeAsync() => await CancelAsync(CancellationToken.None);
}
