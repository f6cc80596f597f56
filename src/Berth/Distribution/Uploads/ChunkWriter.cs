using System.Buffers;
using System.Security.Cryptography;
using Berth.Storage;

namespace Berth.Distribution.Uploads;

/// <summary>Streams a request body into a storage writer, hashing each byte once as it passes.</summary>
internal static class ChunkWriter
{
    /// <summary>Large enough that the store sees few, big writes; small enough to pool.</summary>
    private const int BufferSize = 1024 * 1024;

    /// <summary>Copies the body to <paramref name="writer"/> and returns how many bytes it held.</summary>
    /// <remarks>
    /// Two buffers make a pipeline: while one buffer is hashed and written (in parallel: hashing is CPU, writing is the
    /// kernel's copy into the page cache), the next is filled from the socket. Each buffer is filled before it is
    /// handed on, since the socket hands over a few KiB at a time. Stops reading once more than
    /// <paramref name="limit"/> bytes arrived; the caller refuses such a chunk.
    /// </remarks>
    public static async Task<long> CopyAsync(Stream body, IStorageWriter writer, IncrementalHash? hash, long? limit,
        CancellationToken cancellationToken)
    {
        var current = ArrayPool<byte>.Shared.Rent(BufferSize);
        var next = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            var filled = await FillAsync(body, current, cancellationToken);
            while (filled > 0)
            {
                total += filled;
                if (limit is { } max && total > max)
                {
                    return total;
                }

                var chunk = current;
                var length = filled;
                var hashing = hash is null ? Task.CompletedTask : Task.Run(() => hash.AppendData(chunk, 0, length), cancellationToken);
                var writing = writer.WriteAsync(chunk.AsMemory(0, length), cancellationToken).AsTask();
                var reading = length < chunk.Length ? Task.FromResult(0) : FillAsync(body, next, cancellationToken);
                await Task.WhenAll(hashing, writing, reading);
                filled = reading.Result;
                (current, next) = (next, current);
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>Reads until the buffer is full or the body ends; returns how many bytes it holds.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
