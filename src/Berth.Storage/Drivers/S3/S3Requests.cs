using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Berth.Storage.Drivers.S3;

/// <summary>The S3 requests the driver makes, each under a deadline, with errors already in the contract's terms.</summary>
internal sealed partial class S3Requests(IAmazonS3 client, string bucket, S3Calls calls, S3StorageOptions options, ILogger logger)
{
    /// <summary>The most keys one DeleteObjects request takes.</summary>
    public const int DeleteBatchSize = 1000;

    private int _abortUnsupportedLogged;

    public S3Calls Calls => calls;

    public int PartSize => options.PartSizeBytes;

    public TimeSpan StallTimeout => options.StallTimeout;

    /// <summary>The object at <paramref name="key"/> as one piece, or null when there is none.</summary>
    public Task<S3Segment?> HeadAsync(string key, CancellationToken cancellationToken) =>
        calls.RunAsync($"HEAD {key}", async token =>
        {
            try
            {
                var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, token);
                return new S3Segment(key, 0, head.ContentLength, Utc(head.LastModified));
            }
            catch (AmazonS3Exception ex) when (S3Calls.IsNotFound(ex))
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, page by page, in the store's order.</summary>
    public async IAsyncEnumerable<S3Object> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (objects, _) in ListPagesAsync(prefix, null, 1000, cancellationToken))
        {
            foreach (var item in objects)
            {
                yield return item;
            }
        }
    }

    /// <summary>Pages of the objects and "directories" (common prefixes) under <paramref name="prefix"/>.</summary>
    public async IAsyncEnumerable<(IReadOnlyList<S3Object> Objects, IReadOnlyList<string> Prefixes)> ListPagesAsync(
        string prefix, string? delimiter, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = bucket,
                Prefix = prefix,
                Delimiter = delimiter,
                ContinuationToken = continuation,
                MaxKeys = pageSize,
            };
            var page = await calls.RunAsync($"LIST {prefix}", token => client.ListObjectsV2Async(request, token), cancellationToken);
            yield return ((IReadOnlyList<S3Object>?)page.S3Objects ?? [], (IReadOnlyList<string>?)page.CommonPrefixes ?? []);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <summary>The segments of an appended object (keys starting <paramref name="segmentPrefix"/>), in order.</summary>
    /// <param name="path">The object's path, for errors.</param>
    /// <param name="segmentPrefix">What its segments' keys start with.</param>
    /// <param name="validate">Whether they must be contiguous from offset 0 (they are read), or are only to be removed.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async Task<List<S3Segment>> ListSegmentsAsync(string path, string segmentPrefix, bool validate, CancellationToken cancellationToken)
    {
        var segments = new List<S3Segment>();
        await foreach (var item in ListAsync(segmentPrefix, cancellationToken))
        {
            if (S3Keys.TryParseSegment(item.Key, out var objectKey, out var offset) && objectKey.Length + 1 == segmentPrefix.Length)
            {
                segments.Add(new S3Segment(item.Key, offset, item.Size ?? 0, Utc(item.LastModified)));
            }
        }

        segments.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        if (!validate)
        {
            return segments;
        }

        long expected = 0;
        foreach (var segment in segments)
        {
            if (segment.Offset != expected)
            {
                throw new StorageException(calls.DriverName,
                    $"{calls.DriverName}: the appended object {path} is inconsistent: a segment starts at byte {segment.Offset} where {expected} was expected (were two appends racing?)");
            }

            expected += segment.Size;
        }

        return segments;
    }

    /// <summary>Opens the body of <paramref name="key"/> from <paramref name="offset"/> (a piece <paramref name="size"/> bytes long).</summary>
    /// <returns>Null when there is no such key.</returns>
    public Task<Stream?> GetAsync(string key, long offset, long? size, CancellationToken cancellationToken) =>
        calls.RunAsync($"GET {key}", async token =>
        {
            if (size is { } known && offset >= known)
            {
                return Stream.Null;
            }

            // Always a range, from 0 too: on a whole-object GET the SDK hashes the body with its managed MD5 to compare
            // with the ETag, which was half of a streamed pull's CPU. Blobs are verified by their own digest instead
            // (the clients check it, and so does every read that recomputes one).
            var request = new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange($"bytes={offset}-") };

            try
            {
                var response = await client.GetObjectAsync(request, token);
                return (Stream?)new S3ReadStream(response, calls, $"GET {key}", options.StallTimeout, response.ContentLength);
            }
            catch (AmazonS3Exception ex) when (S3Calls.IsNotFound(ex))
            {
                return null;
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "InvalidRange")
            {
                return Stream.Null; // the offset is at or past the end: nothing left to read, as a file read there gives
            }
        }, cancellationToken);

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        calls.RunAsync($"PUT {key}", async token =>
        {
            using var body = AsStream(content);
            await client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
            }, token);
        }, cancellationToken);

    public Task<string> StartMultipartAsync(string key, CancellationToken cancellationToken) =>
        calls.RunAsync($"start multipart upload of {key}", async token =>
            (await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, token)).UploadId,
            cancellationToken);

    public Task<PartETag> UploadPartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        calls.RunAsync($"PUT part {number} of {key}", async token =>
        {
            using var body = AsStream(content);
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = content.Length,
                UseChunkEncoding = false,
            }, token);
            return new PartETag(number, response.ETag);
        }, cancellationToken);

    /// <summary>Copies bytes <paramref name="first"/> to <paramref name="last"/> of <paramref name="sourceKey"/> into a part, inside the store.</summary>
    public Task<PartETag> CopyPartAsync(string key, string uploadId, int number, string sourceKey, long first, long last,
        CancellationToken cancellationToken) =>
        calls.RunAsync($"copy part {number} of {key} from {sourceKey}", async token =>
        {
            var response = await client.CopyPartAsync(new CopyPartRequest
            {
                SourceBucket = bucket,
                SourceKey = sourceKey,
                DestinationBucket = bucket,
                DestinationKey = key,
                UploadId = uploadId,
                PartNumber = number,
                FirstByte = first,
                LastByte = last,
            }, token);
            return new PartETag(number, response.ETag);
        }, cancellationToken, calls.CopyTimeout(last - first + 1));

    public Task CompleteMultipartAsync(string key, string uploadId, List<PartETag> parts, CancellationToken cancellationToken) =>
        calls.RunAsync($"complete multipart upload of {key}", token =>
            client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = [.. parts.OrderBy(p => p.PartNumber)],
            }, token), cancellationToken);

    /// <summary>Drops an unfinished multipart upload. Best effort: its parts are invisible either way.</summary>
    /// <remarks>
    /// A failure is logged, not thrown: what was committed is whole whatever happens here, and a bucket lifecycle rule
    /// (AbortIncompleteMultipartUpload) removes parts left behind. Some S3-compatible servers have no abort at all.
    /// </remarks>
    public async Task AbortMultipartAsync(string key, string uploadId)
    {
        try
        {
            await calls.RunAsync($"abort multipart upload of {key}", token =>
                client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, token),
                CancellationToken.None);
        }
        catch (StorageException ex) when (ex.InnerException is AmazonS3Exception s3 && S3Calls.IsNotImplemented(s3))
        {
            if (Interlocked.Exchange(ref _abortUnsupportedLogged, 1) == 0)
            {
                LogAbortUnsupported(logger, calls.Store);
            }
        }
        catch (StorageException ex)
        {
            LogAbortFailed(logger, ex, key);
        }
    }

    public Task CopyAsync(string sourceKey, string key, long size, CancellationToken cancellationToken) =>
        calls.RunAsync($"copy {sourceKey} to {key}", token =>
            client.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = bucket,
                SourceKey = sourceKey,
                DestinationBucket = bucket,
                DestinationKey = key,
            }, token), cancellationToken, calls.CopyTimeout(size));

    /// <summary>Deletes keys, a thousand per request. Keys that do not exist are no error (S3 says so itself).</summary>
    public async Task DeleteKeysAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var batch in keys.Chunk(DeleteBatchSize))
        {
            var response = await calls.RunAsync($"DELETE {batch.Length} keys from {batch[0]}", token =>
                client.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = bucket,
                    Quiet = true,
                    Objects = [.. batch.Select(k => new KeyVersion { Key = k })],
                }, token), cancellationToken);
            if (response.DeleteErrors is [var first, ..])
            {
                throw new StorageException(calls.DriverName,
                    $"{calls.DriverName}: {calls.Store} did not delete {response.DeleteErrors.Count} of {batch.Length} keys; {first.Key}: {first.Code} {first.Message}");
            }
        }
    }

    public Task<string> PresignAsync(string key, TimeSpan lifetime, bool https) =>
        calls.RunAsync($"presign GET {key}", _ => client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow + lifetime,
            Protocol = https ? Protocol.HTTPS : Protocol.HTTP,
        }), CancellationToken.None);

    public static DateTimeOffset Utc(DateTime? time) => time switch
    {
        null => DateTimeOffset.UnixEpoch,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        { } other => new DateTimeOffset(DateTime.SpecifyKind(other, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Store} has no AbortMultipartUpload: parts of cancelled uploads stay in the bucket until a lifecycle rule removes them")]
    private static partial void LogAbortUnsupported(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {Key}; its parts stay until a lifecycle rule removes them")]
    private static partial void LogAbortFailed(ILogger logger, Exception exception, string key);
}
