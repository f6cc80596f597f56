using System.Globalization;
using Berth.Data;
using Berth.Oci;
using Berth.Storage;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Blobs;

/// <summary><c>/v2/&lt;name&gt;/blobs/&lt;digest&gt;</c>: HEAD, GET (with a single Range) and DELETE.</summary>
public static class BlobEndpoints
{
    private const int CopyBufferSize = 256 * 1024;
    private const int MinFill = 64 * 1024;

    public static async Task HandleAsync(HttpContext context, string name, string digestText)
    {
        Methods.Require(context, "GET", "HEAD", "DELETE");
        var digest = Digests.Require(digestText);
        var blobs = context.RequestServices.GetRequiredService<BlobService>();
        var blob = await blobs.FindLinkedAsync(name, digest)
            ?? throw DistributionException.Of(ErrorCode.BlobUnknown, detail: digest.Value);

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            await DeleteAsync(context, name, blob);
            return;
        }

        // A client HEADs a blob to skip uploading it: keep it out of GC's reach until its manifest arrives, or answer 404
        // when GC took it after the lookup, so that the client uploads it rather than push a manifest that names nothing.
        if (HttpMethods.IsHead(context.Request.Method) && !await blobs.KeepAsync(blob.BlobId, context.RequestAborted))
        {
            throw DistributionException.Of(ErrorCode.BlobUnknown, detail: digest.Value);
        }

        await ServeAsync(context, digest, blob.Size);
    }

    /// <summary>Unlinks the blob from the repository; the bytes stay for other repositories until GC.</summary>
    private static async Task DeleteAsync(HttpContext context, string name, LinkedBlob blob)
    {
        var db = context.RequestServices.GetRequiredService<BerthDbContext>();
        await db.RepositoryBlobs.Where(l => l.BlobId == blob.BlobId && l.Repository!.Name == name)
            .ExecuteDeleteAsync(context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    private static async Task ServeAsync(HttpContext context, Digest digest, long size)
    {
        var response = context.Response;
        var storage = context.RequestServices.GetRequiredService<IStorageDriver>();
        var path = StoragePaths.Blob(digest);
        response.Headers[OciResults.ContentDigestHeader] = digest.Value;
        response.Headers.ETag = "\"" + digest.Value + "\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "max-age=31536000";

        var (kind, start, length) = ByteRange.Resolve(context.Request.Headers.Range, size);
        if (kind == ByteRange.Kind.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{size}";
            throw DistributionException.Of(ErrorCode.BlobUnknown, "the requested range is not satisfiable", digest.Value, status: 416);
        }

        // The store's own URL (S3: presigned, short-lived), only now that the database said this repository may serve the
        // blob. Clients send their Range header again to it, and the store answers ranges itself. HEAD never redirects.
        if (HttpMethods.IsGet(context.Request.Method) && await storage.GetRedirectUriAsync(path, context.RequestAborted) is { } redirect)
        {
            response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            response.Headers.Location = redirect.ToString();
            response.Headers.CacheControl = "no-store"; // the URL expires: no cache may keep the redirect as long as the blob
            response.ContentLength = 0;
            return;
        }

        response.ContentType = "application/octet-stream";
        response.ContentLength = length;
        if (kind == ByteRange.Kind.Satisfiable)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{start + length - 1}/{size}");
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var stream = await storage.OpenReadAsync(path, start, context.RequestAborted);
        await CopyAsync(stream, response, length, context.RequestAborted);
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes straight into Kestrel's output buffers; never the whole blob in memory.</summary>
    private static async Task CopyAsync(Stream source, HttpResponse response, long length, CancellationToken cancellationToken)
    {
        var output = response.BodyWriter;
        var remaining = length;
        while (remaining > 0)
        {
            var memory = output.GetMemory(CopyBufferSize);
            var want = (int)Math.Min(memory.Length, remaining);
            // A network source (S3 streamed through) returns whatever one packet held; gathering at least MinFill bytes
            // per write keeps flushes and syscalls per byte as few as a file's big reads give.
            var read = await source.ReadAtLeastAsync(memory[..want], Math.Min(want, MinFill), throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                // The store holds fewer bytes than the database says: abort rather than send a short 200.
                throw new IOException($"blob ended {remaining} bytes early");
            }

            output.Advance(read);
            remaining -= read;
            var flushed = await output.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}
