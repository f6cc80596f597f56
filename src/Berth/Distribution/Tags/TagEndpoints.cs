using System.Text.Json;
using Berth.Data;
using Berth.Distribution.Repositories;
using Berth.Oci;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Tags;

/// <summary><c>GET /v2/&lt;name&gt;/tags/list</c>, paged in lexical order.</summary>
public static class TagEndpoints
{
    public static async Task HandleAsync(HttpContext context, string name)
    {
        Methods.Require(context, "GET", "HEAD");
        var paging = Paging.From(context);
        var repositoryId = await context.RequestServices.GetRequiredService<RepositoryStore>().FindIdAsync(name)
            ?? throw DistributionException.Of(ErrorCode.NameUnknown, detail: name);

        var db = context.RequestServices.GetRequiredService<BerthDbContext>();
        var query = db.Tags.AsNoTracking().Where(t => t.RepositoryId == repositoryId);
        if (paging.Last is { } last)
        {
            query = query.Where(t => string.Compare(t.Name, last) > 0);
        }

        // One more than a page tells whether a next page exists without counting.
        var tags = await query.OrderBy(t => t.Name).Select(t => t.Name).Take(paging.Size + 1).ToListAsync(context.RequestAborted);
        var more = tags.Count > paging.Size;
        if (more)
        {
            tags.RemoveAt(tags.Count - 1);
        }

        paging.SetNextLink(context, $"/v2/{name}/tags/list", tags.LastOrDefault(), more);
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteStartArray("tags");
        foreach (var tag in tags)
        {
            writer.WriteStringValue(tag);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
