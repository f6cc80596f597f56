using System.Text.Json;
using Berth.Data;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Referrers;

/// <summary><c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>: the manifests whose <c>subject</c> is the digest, as an OCI index.</summary>
/// <remarks>An unknown subject answers an empty index, as the spec requires. Paged by digest with <c>n</c>/<c>last</c>.</remarks>
public static class ReferrerEndpoints
{
    public const string FiltersAppliedHeader = "OCI-Filters-Applied";

    public static async Task HandleAsync(HttpContext context, string name, string digestText)
    {
        Methods.Require(context, "GET", "HEAD");
        var subject = Digests.Require(digestText);
        var paging = Paging.From(context);
        var artifactType = context.Request.Query["artifactType"].FirstOrDefault();

        var db = context.RequestServices.GetRequiredService<BerthDbContext>();
        var query = db.Artifacts.AsNoTracking().Where(a => a.Repository!.Name == name && a.SubjectDigest == subject.Value);
        if (!string.IsNullOrEmpty(artifactType))
        {
            query = query.Where(a => a.ArtifactType == artifactType);
            context.Response.Headers[FiltersAppliedHeader] = "artifactType";
        }

        if (paging.Last is { } last)
        {
            query = query.Where(a => string.Compare(a.Digest, last) > 0);
        }

        var referrers = await query.OrderBy(a => a.Digest)
            .Select(a => new { a.Digest, a.MediaType, a.ManifestSize, a.ArtifactType, a.AnnotationsJson })
            .Take(paging.Size + 1)
            .ToListAsync(context.RequestAborted);
        var more = referrers.Count > paging.Size;
        if (more)
        {
            referrers.RemoveAt(referrers.Count - 1);
        }

        paging.SetNextLink(context, $"/v2/{name}/referrers/{subject.Value}", referrers.LastOrDefault()?.Digest, more);
        context.Response.ContentType = MediaTypes.OciIndex;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("schemaVersion", 2);
        writer.WriteString("mediaType", MediaTypes.OciIndex);
        writer.WriteStartArray("manifests");
        foreach (var referrer in referrers)
        {
            writer.WriteStartObject();
            writer.WriteString("mediaType", referrer.MediaType);
            writer.WriteString("digest", referrer.Digest);
            writer.WriteNumber("size", referrer.ManifestSize);
            if (referrer.ArtifactType is not null)
            {
                writer.WriteString("artifactType", referrer.ArtifactType);
            }

            if (referrer.AnnotationsJson is not null)
            {
                writer.WritePropertyName("annotations");
                writer.WriteRawValue(referrer.AnnotationsJson, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
