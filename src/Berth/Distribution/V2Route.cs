namespace Berth.Distribution;

/// <summary>Which part of the <c>/v2/</c> API a path addresses.</summary>
public enum V2RouteKind
{
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,
    Uploads,
    Upload,
    Referrers,
}

/// <summary>A <c>/v2/</c> path taken apart: the repository name and the manifest reference, digest or upload id.</summary>
/// <remarks>Nothing here is validated yet; the handlers check the name and the argument before use.</remarks>
public readonly record struct V2Route(V2RouteKind Kind, string Name = "", string Argument = "")
{
    /// <summary>Splits the path after <c>/v2/</c>. Names may hold slashes, so each route is anchored at the end.</summary>
    public static V2Route? Parse(string path)
    {
        if (path.Length == 0)
        {
            return new V2Route(V2RouteKind.Base);
        }

        if (path == "_catalog")
        {
            return new V2Route(V2RouteKind.Catalog);
        }

        if (path.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            return new V2Route(V2RouteKind.Tags, path[..^"/tags/list".Length]);
        }

        if (path.EndsWith("/blobs/uploads", StringComparison.Ordinal) || path.EndsWith("/blobs/uploads/", StringComparison.Ordinal))
        {
            return new V2Route(V2RouteKind.Uploads, path[..path.LastIndexOf("/blobs/uploads", StringComparison.Ordinal)]);
        }

        return Tail(path, "/blobs/uploads/", V2RouteKind.Upload)
            ?? Tail(path, "/manifests/", V2RouteKind.Manifest)
            ?? Tail(path, "/blobs/", V2RouteKind.Blob)
            ?? Tail(path, "/referrers/", V2RouteKind.Referrers);
    }

    private static V2Route? Tail(string path, string marker, V2RouteKind kind)
    {
        var at = path.LastIndexOf(marker, StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }

        var argument = path[(at + marker.Length)..];
        return argument.Length == 0 || argument.Contains('/', StringComparison.Ordinal)
            ? null
            : new V2Route(kind, path[..at], argument);
    }
}
