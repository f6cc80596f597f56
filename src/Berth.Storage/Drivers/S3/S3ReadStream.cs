using Amazon.S3.Model;

namespace Berth.Storage.Drivers.S3;

/// <summary>The body of one GET: each read fails once the store has sent nothing for the stall timeout.</summary>
/// <remarks>
/// The HTTP response is held open until the stream is disposed. A body shorter than the response announced is an
/// error, never a quiet end: a blob served short would be a blob served wrong.
/// </remarks>
internal sealed class S3ReadStream(GetObjectResponse response, S3Calls calls, string what, TimeSpan stallTimeout, long length) : S3ForwardReadStream
{
    private readonly Stream _body = response.ResponseStream;
    private CancellationTokenSource? _stall;
    private CancellationToken _stallLinkedTo;

    public override long Length => length;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        // One timer per stream, re-armed for each read (a read is often one packet: a source and timer each would cost
        // more than the bytes), linked to the caller's token; a read with another token gets a source of its own.
        if (_stall is null)
        {
            _stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _stallLinkedTo = cancellationToken;
        }

        var own = cancellationToken == _stallLinkedTo ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stall = own ?? _stall;
        stall.CancelAfter(stallTimeout);
        int read;
        try
        {
            read = await _body.ReadAsync(buffer, stall.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw calls.Translate(ex, what, stall.IsCancellationRequested ? stallTimeout : null);
        }
        finally
        {
            own?.Dispose();
        }

        // Disarmed between reads, so that a slow reader (the client) is not taken for a stalled store.
        _stall.CancelAfter(Timeout.InfiniteTimeSpan);

        Consumed += read;
        if (read == 0 && Consumed < length)
        {
            throw new StorageUnavailableException(calls.DriverName,
                $"{calls.DriverName}: {what}: {calls.Store} ended the body after {Consumed} of {length} bytes");
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            response.Dispose();
            _stall?.Dispose();
        }

        base.Dispose(disposing);
    }
}
