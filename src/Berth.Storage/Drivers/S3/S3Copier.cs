using System.Buffers;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Berth.Storage.Drivers.S3;

/// <summary>Makes one object out of stored pieces inside the store: what a move into the blob path needs.</summary>
/// <remarks>
/// <para>One piece of up to 5 GiB is one CopyObject. Anything else becomes a multipart upload whose parts are copied
/// inside the store (UploadPartCopy, up to 5 GiB a part) wherever a run of at least 5 MiB starts on a part boundary,
/// and streamed through a part buffer where pieces are smaller than S3's smallest part (the segments of a chunked
/// upload in small chunks): every part but the last must be 5 MiB or more, so small segments are gathered up to a
/// part, and a big segment after them is copied from where that part ends.</para>
/// <para>Where the store has no UploadPartCopy (some S3-compatible servers), the parts are streamed through Berth
/// instead: slower, but the same bytes, with memory still bounded by one part.</para>
/// </remarks>
internal sealed partial class S3Copier(S3Requests requests, ILogger logger)
{
    /// <summary>The most S3 copies in one request (CopyObject, or one UploadPartCopy).</summary>
    public const long MaxCopyBytes = 5L * 1024 * 1024 * 1024;

    private const int MaxParts = 10_000;

    private volatile bool _partCopyUnsupported;

    /// <summary>Writes <paramref name="pieces"/>, in order, as the object at <paramref name="key"/>.</summary>
    public async Task AssembleAsync(IReadOnlyList<S3Segment> pieces, string key, CancellationToken cancellationToken)
    {
        var nonEmpty = pieces.Where(p => p.Size > 0).ToList();
        var total = nonEmpty.Sum(p => p.Size);
        if (nonEmpty.Count == 0)
        {
            await requests.PutAsync(key, ReadOnlyMemory<byte>.Empty, cancellationToken);
            return;
        }

        if (nonEmpty.Count == 1 && total <= MaxCopyBytes)
        {
            await requests.CopyAsync(nonEmpty[0].Key, key, total, cancellationToken);
            return;
        }

        var uploadId = await requests.StartMultipartAsync(key, cancellationToken);
        try
        {
            var parts = await CopyPartsAsync(nonEmpty, total, key, uploadId, cancellationToken);
            await requests.CompleteMultipartAsync(key, uploadId, parts, cancellationToken);
        }
        catch
        {
            await requests.AbortMultipartAsync(key, uploadId);
            throw;
        }
    }

    private async Task<List<PartETag>> CopyPartsAsync(List<S3Segment> pieces, long total, string key, string uploadId,
        CancellationToken cancellationToken)
    {
        // Copied parts of 1 GiB keep each copy request short; half the part numbers hold even a 5 TiB object that way,
        // which leaves the other half for the streamed parts between them.
        var copyPartSize = Math.Clamp((total + MaxParts / 2 - 1) / (MaxParts / 2), 1L << 30, MaxCopyBytes);
        var partSize = requests.PartSize;
        var parts = new List<PartETag>();
        var buffer = ArrayPool<byte>.Shared.Rent(partSize);
        var filled = 0;
        try
        {
            foreach (var piece in pieces)
            {
                long position = 0;
                Stream? reader = null;
                try
                {
                    while (position < piece.Size)
                    {
                        var remaining = piece.Size - position;
                        if (filled == 0 && remaining >= S3StorageOptions.MinPartSizeBytes && !_partCopyUnsupported)
                        {
                            var length = remaining - copyPartSize < S3StorageOptions.MinPartSizeBytes ? Math.Min(remaining, MaxCopyBytes) : copyPartSize;
                            if (await TryCopyPartAsync(key, uploadId, parts, piece.Key, position, length, cancellationToken))
                            {
                                position += length;
                                continue;
                            }
                        }

                        reader ??= await requests.GetAsync(piece.Key, position, piece.Size, cancellationToken)
                            ?? throw new StoragePathNotFoundException(requests.Calls.DriverName, piece.Key);
                        var take = (int)Math.Min(remaining, partSize - filled);
                        await reader.ReadExactlyAsync(buffer.AsMemory(filled, take), cancellationToken);
                        filled += take;
                        position += take;
                        if (filled == partSize)
                        {
                            parts.Add(await requests.UploadPartAsync(key, uploadId, NextPart(parts), buffer.AsMemory(0, filled), cancellationToken));
                            filled = 0;
                            if (position < piece.Size && piece.Size - position >= S3StorageOptions.MinPartSizeBytes && !_partCopyUnsupported)
                            {
                                // The rest of a big piece is copied inside the store from here on.
                                await reader.DisposeAsync();
                                reader = null;
                            }
                        }
                    }
                }
                finally
                {
                    if (reader is not null)
                    {
                        await reader.DisposeAsync();
                    }
                }
            }

            if (filled > 0)
            {
                parts.Add(await requests.UploadPartAsync(key, uploadId, NextPart(parts), buffer.AsMemory(0, filled), cancellationToken));
            }

            return parts;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies a range into the next part inside the store; false when the store cannot (the caller streams it).</summary>
    private async Task<bool> TryCopyPartAsync(string key, string uploadId, List<PartETag> parts, string sourceKey, long first, long length,
        CancellationToken cancellationToken)
    {
        try
        {
            parts.Add(await requests.CopyPartAsync(key, uploadId, NextPart(parts), sourceKey, first, first + length - 1, cancellationToken));
            return true;
        }
        catch (StorageException ex) when (ex.InnerException is Amazon.S3.AmazonS3Exception s3 && S3Calls.IsNotImplemented(s3))
        {
            _partCopyUnsupported = true;
            LogPartCopyUnsupported(logger, requests.Calls.Store);
            return false;
        }
    }

    private int NextPart(List<PartETag> parts) =>
        parts.Count < MaxParts
            ? parts.Count + 1
            : throw new StorageException(requests.Calls.DriverName,
                $"{requests.Calls.DriverName}: assembling the object takes more than {MaxParts} parts; raise Storage:S3:PartSizeBytes");

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Store} has no UploadPartCopy: uploads are assembled by streaming their bytes through Berth")]
    private static partial void LogPartCopyUnsupported(ILogger logger, string store);
}
