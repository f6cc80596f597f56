using System.Buffers;
using Amazon.S3.Model;

namespace Berth.Storage.Drivers.S3;

/// <summary>Writes one key: buffered in a part, sent as one PUT when it fits, as a multipart upload when it outgrows it.</summary>
/// <remarks>
/// Memory is bounded by two part buffers: while one part travels to the store the next one fills. Nothing is visible
/// before <see cref="CommitAsync"/> (a PUT, or the multipart upload's completion, is atomic in S3); cancelling aborts the
/// multipart upload.
/// </remarks>
internal sealed class S3ObjectWriter(S3Requests requests, string key, long committedSize, bool storeEmpty) : IStorageWriter
{
    /// <summary>The most parts one multipart upload may have.</summary>
    private const int MaxParts = 10_000;

    private readonly int _partSize = requests.PartSize;
    private byte[]? _buffer;
    private int _filled;
    private byte[]? _spare;
    private Task<PartETag>? _inFlight;
    private byte[]? _inFlightBuffer;
    private readonly List<PartETag> _parts = [];
    private int _nextPart = 1;
    private string? _uploadId;
    private long _written;
    private bool _closed;

    public long Size => committedSize + _written;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        while (!buffer.IsEmpty)
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(_partSize);
            var take = Math.Min(buffer.Length, _partSize - _filled);
            buffer[..take].CopyTo(_buffer.AsMemory(_filled));
            _filled += take;
            _written += take;
            buffer = buffer[take..];
            if (_filled == _partSize)
            {
                await SendPartAsync(cancellationToken);
            }
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_uploadId is null)
        {
            if (_filled > 0 || storeEmpty)
            {
                await requests.PutAsync(key, _buffer.AsMemory(0, _filled), cancellationToken);
            }
        }
        else
        {
            if (_filled > 0)
            {
                await SendPartAsync(cancellationToken);
            }

            await CollectPartAsync();
            await requests.CompleteMultipartAsync(key, _uploadId, _parts, cancellationToken);
        }

        _closed = true;
        ReturnBuffers();
    }

    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            await CollectPartAsync();
        }
        catch (StorageException)
        {
            // The part that failed is abandoned with the rest.
        }
        catch (OperationCanceledException)
        {
        }

        if (_uploadId is not null)
        {
            await requests.AbortMultipartAsync(key, _uploadId);
        }

        _written = 0;
        ReturnBuffers();
    }

    public async ValueTask DisposeAsync() => await CancelAsync(CancellationToken.None);

    /// <summary>Sends the full buffer as the next part once the part before it has arrived; the buffer is then free to refill.</summary>
    private async Task SendPartAsync(CancellationToken cancellationToken)
    {
        await CollectPartAsync();
        if (_nextPart > MaxParts)
        {
            throw new StorageException(requests.Calls.DriverName,
                $"{requests.Calls.DriverName}: {key} would take more than {MaxParts} parts of {_partSize} bytes; raise Storage:S3:PartSizeBytes");
        }

        _uploadId ??= await requests.StartMultipartAsync(key, cancellationToken);
        _inFlightBuffer = _buffer!;
        _inFlight = requests.UploadPartAsync(key, _uploadId, _nextPart++, _inFlightBuffer.AsMemory(0, _filled), cancellationToken);
        _buffer = _spare;
        _spare = null;
        _filled = 0;
    }

    private async Task CollectPartAsync()
    {
        if (_inFlight is not { } part)
        {
            return;
        }

        try
        {
            _parts.Add(await part);
        }
        finally
        {
            _inFlight = null;
            _spare = _inFlightBuffer;
            _inFlightBuffer = null;
        }
    }

    private void ReturnBuffers()
    {
        foreach (var buffer in new[] { _buffer, _spare, _inFlightBuffer })
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        _buffer = _spare = _inFlightBuffer = null;
    }
}
