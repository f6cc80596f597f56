namespace Berth.Storage.Drivers.S3;

/// <summary>What the driver's read streams share: read-only and forward-only, reading through <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
internal abstract class S3ForwardReadStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Position
    {
        get => Consumed;
        set => throw new NotSupportedException();
    }

    /// <summary>Where the next read starts, counted from the object's first byte.</summary>
    protected long Consumed { get; set; }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
