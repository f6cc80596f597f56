using System.Globalization;
using Berth.Auth;
using Berth.Data.Entities;
using Berth.Distribution.Blobs;
using Berth.Distribution.Repositories;
using Berth.Oci;

namespace Berth.Distribution.Uploads;

/// <summary><c>/v2/&lt;name&gt;/blobs/uploads/</c>: open (and monolithic, and mount) and <c>…/&lt;id&gt;</c>: PATCH, PUT, GET, DELETE.</summary>
public static class UploadEndpoints
{
    public const string UploadUuidHeader = "Docker-Upload-UUID";

    public static async Task HandleStartAsync(HttpContext context, string name)
    {
        Methods.Require(context, "POST");
        var query = context.Request.Query;
        var cancellationToken = context.RequestAborted;
        if (query.ContainsKey("mount") && await TryMountAsync(context, name, query["mount"], query["from"]))
        {
            return;
        }

        var uploads = context.RequestServices.GetRequiredService<UploadService>();
        Digest? digest = query.ContainsKey("digest") ? Digests.Require(query["digest"]) : null;
        var session = await uploads.StartAsync(name, cancellationToken);
        if (digest is null)
        {
            WriteSessionState(context, name, session, 0, StatusCodes.Status202Accepted);
            return;
        }

        try
        {
            var (start, size) = await uploads.AppendAsync(session, context.Request.Body, null, context.Request.ContentLength, null, cancellationToken);
            Metrics.BerthMetrics.AddReceived(context, size - start);
            await uploads.CompleteAsync(session, digest, null, cancellationToken);
        }
        catch
        {
            await uploads.CancelAsync(session, CancellationToken.None);
            throw;
        }

        WriteCreated(context, name, digest);
    }

    public static async Task HandleSessionAsync(HttpContext context, string name, string id)
    {
        Methods.Require(context, "GET", "PATCH", "PUT", "DELETE");
        var cancellationToken = context.RequestAborted;
        var uploads = context.RequestServices.GetRequiredService<UploadService>();
        var method = context.Request.Method;

        if (HttpMethods.IsGet(method))
        {
            var current = await uploads.FindAsync(name, id, cancellationToken);
            WriteSessionState(context, name, current, await uploads.SizeAsync(current, cancellationToken), StatusCodes.Status204NoContent);
            return;
        }

        // The lock first, then the read: the session is then as the request before this one left it (a completion in
        // progress included), or gone, which the read reports.
        await using var lease = await context.RequestServices.GetRequiredService<UploadLocks>().AcquireAsync(UploadService.ParseId(id), cancellationToken);
        if (!lease.SessionExists)
        {
            throw DistributionException.Of(ErrorCode.BlobUploadUnknown, detail: id);
        }

        var session = await uploads.FindAsync(name, id, cancellationToken);

        if (HttpMethods.IsDelete(method))
        {
            await uploads.CancelAsync(session, cancellationToken);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        else if (HttpMethods.IsPatch(method))
        {
            var size = await AppendAsync(context, name, uploads, session, lease);
            WriteSessionState(context, name, session, size, StatusCodes.Status202Accepted);
        }
        else
        {
            // PUT: the digest is checked before a last chunk is taken, so a malformed request stores nothing.
            var digest = Digests.Require(context.Request.Query["digest"]);
            // A retried completion whose first attempt already moved the verified bytes has nothing left to append to.
            if (HasBody(context.Request) && session.CompletingDigest != digest.Value)
            {
                await AppendAsync(context, name, uploads, session, null);
            }

            await uploads.CompleteAsync(session, digest, lease, cancellationToken);
            WriteCreated(context, name, digest);
        }
    }

    // The lease is passed only when the chunk is the request's last write on the session (PATCH, not PUT).
    private static async Task<long> AppendAsync(HttpContext context, string name, UploadService uploads, UploadSession session,
        UploadLocks.UploadLease? lease)
    {
        ContentRange? range = null;
        var header = context.Request.Headers.ContentRange.ToString();
        if (header.Length > 0)
        {
            if (!ContentRange.TryParse(header, out var parsed))
            {
                throw await OutOfRangeAsync(context, name, uploads, session, $"Content-Range '{Truncate(header)}' is not <start>-<end>");
            }

            range = parsed;
        }

        try
        {
            var (start, size) = await uploads.AppendAsync(session, context.Request.Body, range, context.Request.ContentLength, lease, context.RequestAborted);
            Metrics.BerthMetrics.AddReceived(context, size - start);
            return size;
        }
        catch (OutOfOrderChunkException ex)
        {
            throw await OutOfRangeAsync(context, name, uploads, session,
                $"the chunk starts at {range?.Start} but the upload holds {ex.Size} bytes", ex.Size);
        }
    }

    /// <summary>The spec's 416 for a chunk that does not continue the upload, with where the upload stands.</summary>
    private static async Task<DistributionException> OutOfRangeAsync(HttpContext context, string name, UploadService uploads,
        UploadSession session, string message, long? size = null)
    {
        var current = size ?? await uploads.SizeAsync(session, context.RequestAborted);
        SetSessionHeaders(context, name, session, current);
        return DistributionException.Of(ErrorCode.BlobUploadInvalid, message, status: StatusCodes.Status416RangeNotSatisfiable);
    }

    /// <summary>Links a blob of <paramref name="from"/> into <paramref name="name"/>: 201 if <paramref name="from"/> may serve it.</summary>
    private static async Task<bool> TryMountAsync(HttpContext context, string name, string? mount, string? from)
    {
        var digest = Digests.Require(mount);
        if (string.IsNullOrEmpty(from) || !RepositoryName.IsValid(from))
        {
            return false;
        }

        // Mounting reads the source: without pull there, the client uploads the blob like anyone else.
        var principal = await RegistryPrincipal.GetAsync(context);
        if (!await principal.CanAsync(context, from, Rbac.Pull))
        {
            return false;
        }

        var blobs = context.RequestServices.GetRequiredService<BlobService>();
        if (await blobs.FindLinkedAsync(from, digest) is not { } blob)
        {
            return false;
        }

        var repositoryId = await context.RequestServices.GetRequiredService<RepositoryStore>().GetOrCreateAsync(name, context.RequestAborted);
        if (!await blobs.LinkAsync(repositoryId, blob.BlobId, context.RequestAborted))
        {
            return false; // GC took it meanwhile: the client uploads it instead
        }

        WriteCreated(context, name, digest);
        return true;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static void WriteCreated(HttpContext context, string name, Digest digest)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = Locations.For(context, $"/v2/{name}/blobs/{digest.Value}");
        response.Headers[OciResults.ContentDigestHeader] = digest.Value;
        response.ContentLength = 0;
    }

    private static void WriteSessionState(HttpContext context, string name, UploadSession session, long size, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
        SetSessionHeaders(context, name, session, size);
    }

    private static void SetSessionHeaders(HttpContext context, string name, UploadSession session, long size)
    {
        var headers = context.Response.Headers;
        headers.Location = Locations.For(context, $"/v2/{name}/blobs/uploads/{session.Id:D}");
        headers[UploadUuidHeader] = session.Id.ToString("D");
        headers.Range = string.Create(CultureInfo.InvariantCulture, $"0-{Math.Max(size - 1, 0)}");
    }

    private static string Truncate(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
