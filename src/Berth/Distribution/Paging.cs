using System.Globalization;
using Berth.Hosting;
using Berth.Oci;
using Microsoft.Extensions.Options;

namespace Berth.Distribution;

/// <summary>The spec's <c>n</c>/<c>last</c> pagination, capped by <see cref="DistributionOptions.MaxPageSize"/>.</summary>
internal readonly record struct Paging(int Size, string? Last)
{
    /// <summary>Reads <c>n</c> and <c>last</c>. A huge <c>n</c> is capped, not obeyed; a malformed one is an error.</summary>
    public static Paging From(HttpContext context)
    {
        var max = context.RequestServices.GetRequiredService<IOptions<DistributionOptions>>().Value.MaxPageSize;
        var query = context.Request.Query;
        var size = max;
        if (query.TryGetValue("n", out var n) && n.Count > 0 && n[0] is { Length: > 0 } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
            {
                throw DistributionException.Of(ErrorCode.PaginationNumberInvalid, "n must be a non-negative integer", text.Length <= 40 ? text : null);
            }

            size = (int)Math.Min(requested, max);
        }

        var last = query.TryGetValue("last", out var l) && l.Count > 0 && !string.IsNullOrEmpty(l[0]) ? l[0] : null;
        return new Paging(size, last);
    }

    /// <summary>Sets <c>Link: &lt;path?n=…&amp;last=…&gt;; rel="next"</c> when a page was full and more may follow.</summary>
    public void SetNextLink(HttpContext context, string path, string? lastOnPage, bool more)
    {
        if (!more || lastOnPage is null)
        {
            return;
        }

        var url = string.Create(CultureInfo.InvariantCulture, $"{path}?n={Size}&last={Uri.EscapeDataString(lastOnPage)}");
        context.Response.Headers.Link = $"<{url}>; rel=\"next\"";
    }
}
