using System.Globalization;

namespace Berth.Api;

/// <summary>Harbor's list paging: <c>page</c> (from 1), <c>page_size</c> (default 10, at most 100), <c>X-Total-Count</c>, <c>Link</c>.</summary>
public readonly record struct ApiPaging(int Page, int PageSize)
{
    public const int MaxPageSize = 100;

    public int Skip => (Page - 1) * PageSize;

    public static ApiPaging From(HttpRequest request)
    {
        var page = ReadPositive(request, "page", 1);
        var size = ReadPositive(request, "page_size", 10);
        return new ApiPaging(page, Math.Min(size, MaxPageSize));
    }

    /// <summary>Sets <c>X-Total-Count</c> and a relative <c>Link</c> with <c>prev</c> and <c>next</c> as Harbor does.</summary>
    public void SetHeaders(HttpContext context, long total)
    {
        context.Response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        var links = new List<string>();
        var path = context.Request.Path.Value;
        if (Page > 1)
        {
            links.Add($"<{path}?page={Page - 1}&page_size={PageSize}>; rel=\"prev\"");
        }

        if ((long)Page * PageSize < total)
        {
            links.Add($"<{path}?page={Page + 1}&page_size={PageSize}>; rel=\"next\"");
        }

        if (links.Count > 0)
        {
            context.Response.Headers.Link = string.Join(" , ", links);
        }
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
