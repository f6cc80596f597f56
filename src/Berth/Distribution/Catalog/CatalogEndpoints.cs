using System.Text.Json;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.Distribution.Catalog;

/// <summary><c>GET /v2/_catalog</c>: repositories holding at least one manifest, paged in lexical order.</summary>
public static class CatalogEndpoints
{
    public static async Task HandleAsync(HttpContext context)
    {
        Methods.Require(context, "GET", "HEAD");
        var paging = Paging.From(context);
        var db = context.RequestServices.GetRequiredService<BerthDbContext>();
        var query = db.Repositories.AsNoTracking().Where(r => db.Artifacts.Any(a => a.RepositoryId == r.Id));
        if (paging.Last is { } last)
        {
            query = query.Where(r => string.Compare(r.Name, last) > 0);
        }

        var names = await query.OrderBy(r => r.Name).Select(r => r.Name).Take(paging.Size + 1).ToListAsync(context.RequestAborted);
        var more = names.Count > paging.Size;
        if (more)
        {
            names.RemoveAt(names.Count - 1);
        }

        paging.SetNextLink(context, "/v2/_catalog", names.LastOrDefault(), more);
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("repositories");
        foreach (var name in names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
