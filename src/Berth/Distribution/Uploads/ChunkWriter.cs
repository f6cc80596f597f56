using System.Buffers;
using System.Security.Cryptography;
using Berth.Storage;

namespace Berth.Distribution.Uploads;

/// <summary>Streams a request body into a storage writer, hashing each byte as it passes.</summary>
internal static class ChunkWriter
{
    /// <summary>Large enough that the store sees few, big writes; small enough to pool.</summary>
    private const int BufferSize = 1024 * 1024;

    /// <summary>Copies the body to <paramref name="writer"/> and returns how many bytes it held.</summary>
    /// <remarks>Fills the buffer before each write and hash call: the socket hands over a few KiB at a time.</remarks>
    public static async Task<long> CopyAsync(Stream body, IStorageWriter writer, IncrementalHash? hash, long? limit,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            while (true)
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

                if (filled == 0)
                {
                    return total;
                }

                total += filled;
                if (limit is { } max && total > max)
                {
                    return total;
                }

                hash?.AppendData(buffer, 0, filled);
                await writer.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                if (filled < buffer.Length)
                {
                    return total;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
