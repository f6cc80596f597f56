using System.Buffers;
using Berth.Hosting;
using Berth.Oci;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Manifests;

/// <summary><c>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</c>: GET, HEAD, PUT and DELETE by tag or digest.</summary>
public static class ManifestEndpoints
{
    public const string SubjectHeader = "OCI-Subject";

    public static Task HandleAsync(HttpContext context, string name, string referenceText)
    {
        Methods.Require(context, "GET", "HEAD", "PUT", "DELETE");
        var reference = ManifestReference.Parse(referenceText);
        var method = context.Request.Method;
        if (HttpMethods.IsPut(method))
        {
            return PutAsync(context, name, reference);
        }

        return HttpMethods.IsDelete(method) ? DeleteAsync(context, name, reference) : GetAsync(context, name, reference);
    }

    private static async Task GetAsync(HttpContext context, string name, ManifestReference reference)
    {
        var manifests = context.RequestServices.GetRequiredService<ManifestService>();
        var head = await manifests.ResolveAsync(name, reference);
        if (!Accepts(context.Request.Headers.Accept, head.MediaType))
        {
            throw DistributionException.Of(ErrorCode.ManifestUnknown,
                $"the manifest is {head.MediaType}, which the request's Accept header does not list", reference.ToString());
        }

        var response = context.Response;
        response.ContentType = head.MediaType;
        response.ContentLength = head.Size;
        response.Headers[OciResults.ContentDigestHeader] = head.Digest;
        response.Headers.ETag = "\"" + head.Digest + "\"";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var content = await manifests.ReadAsync(head, context.RequestAborted);
        await response.Body.WriteAsync(content, context.RequestAborted);
        context.RequestServices.GetRequiredService<PullRecorder>().Record(head, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
            name, reference.Tag, Events.EventOrigin.From(context));
    }

    private static async Task PutAsync(HttpContext context, string name, ManifestReference reference)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<DistributionOptions>>().Value.MaxManifestBytes;
        var content = await ReadCappedAsync(context.Request, limit, context.RequestAborted);
        var parsed = ManifestParser.Parse(content, context.Request.ContentType);
        if (parsed.Error is { } error)
        {
            throw new DistributionException(error);
        }

        var manifest = parsed.Manifest!;
        var digest = Digest.Compute(reference.Digest?.Algorithm ?? Digest.Sha256, content);
        if (reference.Digest is { } expected && !expected.Equals(digest))
        {
            throw DistributionException.Of(ErrorCode.DigestInvalid,
                $"the manifest's digest is {digest.Value}, not {expected.Value}", expected.Value);
        }

        await context.RequestServices.GetRequiredService<ManifestService>()
            .PutAsync(name, reference, manifest, content, digest, context.RequestAborted);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = Locations.For(context, $"/v2/{name}/manifests/{digest.Value}");
        response.Headers[OciResults.ContentDigestHeader] = digest.Value;
        if (manifest.Subject is { } subject)
        {
            response.Headers[SubjectHeader] = subject.Digest.Value;
        }

        response.ContentLength = 0;
    }

    private static async Task DeleteAsync(HttpContext context, string name, ManifestReference reference)
    {
        var manifests = context.RequestServices.GetRequiredService<ManifestService>();
        if (!await manifests.DeleteAsync(name, reference, context.RequestAborted))
        {
            await manifests.ResolveAsync(name, reference); // throws NAME_UNKNOWN or MANIFEST_UNKNOWN
            throw DistributionException.Of(ErrorCode.ManifestUnknown, detail: reference.ToString());
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; a larger body is refused before it is buffered.</summary>
    private static async Task<byte[]> ReadCappedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        var buffer = new ArrayBufferWriter<byte>((int)(request.ContentLength ?? 4096));
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw TooLarge(limit);
            }
        }
    }

    private static DistributionException TooLarge(int limit) => DistributionException.Of(ErrorCode.SizeInvalid,
        $"the manifest is larger than the limit of {limit} bytes", status: StatusCodes.Status413PayloadTooLarge);

    /// <summary>Whether an Accept header admits <paramref name="mediaType"/>. No header, or a wildcard, admits anything.</summary>
    internal static bool Accepts(Microsoft.Extensions.Primitives.StringValues accept, string mediaType)
    {
        if (accept.Count == 0)
        {
            return true;
        }

        foreach (var value in accept)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var type = MediaTypes.Normalize(part);
                if (type is "*/*" or "application/*" or "" || type == mediaType)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
