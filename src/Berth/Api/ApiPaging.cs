using System.Globalization;

namespace Berth.Api;

/// <summary>Harbor's list paging: <c>page</c> (from 1), <c>page_size</c> (default 10, at most 100), <c>X-Total-Count</c>, <c>Link</c>.</summary>
public readonly record struct ApiPaging(int Page, int PageSize)
{
    public const int MaxPageSize = 100;

    /// <summary>Rows before this page; a page far past the end skips everything rather than wrapping round to a negative offset.</summary>
    public int Skip => (int)Math.Min((long)(Page - 1) * PageSize, int.MaxValue);

    public static ApiPaging From(HttpRequest request)
    {
        var page = ReadPositive(request, "page", 1);
        var size = ReadPositive(request, "page_size", 10);
        return new ApiPaging(page, Math.Min(size, MaxPageSize));
    }

    /// <summary>Sets <c>X-Total-Count</c> and a relative <c>Link</c> with <c>prev</c> and <c>next</c> as Harbor does.</summary>
    /// <remarks>The links keep the request's other parameters (<c>q</c>, <c>sort</c>, filters), so following them pages through the same list.</remarks>
    public void SetHeaders(HttpContext context, long total)
    {
        context.Response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        var links = new List<string>();
        if (Page > 1 && (long)(Page - 1) * PageSize < total)
        {
            links.Add($"<{PageUrl(context.Request, Page - 1)}>; rel=\"prev\"");
        }

        if ((long)Page * PageSize < total)
        {
            links.Add($"<{PageUrl(context.Request, Page + 1)}>; rel=\"next\"");
        }

        if (links.Count > 0)
        {
            context.Response.Headers.Link = string.Join(" , ", links);
        }
    }

    /// <summary>The request's path and parameters, sorted by name as Harbor writes them, with <c>page</c> and <c>page_size</c> set.</summary>
    private string PageUrl(HttpRequest request, int page)
    {
        var parameters = request.Query.Where(p => p.Key is not ("page" or "page_size"))
            .SelectMany(p => p.Value.Select(v => (p.Key, Value: v ?? "")))
            .Append((Key: "page", Value: page.ToString(CultureInfo.InvariantCulture)))
            .Append((Key: "page_size", Value: PageSize.ToString(CultureInfo.InvariantCulture)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value));
        return request.PathBase + request.Path + "?" + string.Join('&', parameters);
    }

    private static int ReadPositive(HttpRequest request, string name, int fallback)
    {
        var text = request.Query[name].FirstOrDefault();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw ApiException.BadRequest($"{name} must be a positive integer");
    }
}
