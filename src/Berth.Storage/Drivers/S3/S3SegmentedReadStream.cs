namespace Berth.Storage.Drivers.S3;

/// <summary>Reads an appended object: its segments one after the other, each opened only when the reader reaches it.</summary>
internal sealed class S3SegmentedReadStream : S3ForwardReadStream
{
    private readonly IReadOnlyList<S3Segment> _segments;
    private readonly Func<S3Segment, long, CancellationToken, Task<Stream>> _open;
    private readonly long _length;
    private int _next;
    private Stream? _current;

    /// <param name="segments">The segments, in order, contiguous from offset 0.</param>
    /// <param name="offset">Where reading starts.</param>
    /// <param name="open">Opens a segment's body from an offset within it.</param>
    public S3SegmentedReadStream(IReadOnlyList<S3Segment> segments, long offset, Func<S3Segment, long, CancellationToken, Task<Stream>> open)
    {
        _segments = segments;
        _open = open;
        _length = segments.Count == 0 ? 0 : segments[^1].Offset + segments[^1].Size;
        Consumed = Math.Min(offset, _length);
        while (_next < segments.Count && segments[_next].Offset + segments[_next].Size <= Consumed)
        {
            _next++;
        }
    }

    public override long Length => _length;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_current is null)
            {
                if (_next >= _segments.Count)
                {
                    return 0;
                }

                var segment = _segments[_next++];
                if (segment.Size == 0)
                {
                    continue;
                }

                _current = await _open(segment, Consumed - segment.Offset, cancellationToken);
            }

            var read = await _current.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                Consumed += read;
                return read;
            }

            await _current.DisposeAsync();
            _current = null;
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }

        base.Dispose(disposing);
    }
}
