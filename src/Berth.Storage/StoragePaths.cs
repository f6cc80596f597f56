using Berth.Oci;

namespace Berth.Storage;

/// <summary>Where Berth keeps what, inside one driver. Built only from validated digests and ids, never from names.</summary>
/// <remarks>
/// <code>
/// /
/// ├── blobs/                      content-addressed, shared by every repository
/// │   └── sha256/
/// │       └── ab/                 the first two hex characters, to keep directories small
/// │           └── abcd…/data      the blob's bytes (layers, configs and manifests alike)
/// └── uploads/
///     └── &lt;session id&gt;/data    an upload in progress, appended chunk by chunk
/// </code>
/// Which repository may read which blob is the database's business, not the layout's.
/// </remarks>
public static class StoragePaths
{
    public const string BlobsRoot = "/blobs";
    public const string UploadsRoot = "/uploads";

    public static string BlobDirectory(Digest digest) => $"{BlobsRoot}/{digest.Algorithm}/{digest.Hex[..2]}/{digest.Hex}";

    public static string Blob(Digest digest) => BlobDirectory(digest) + "/data";

    /// <summary>The digest of a blob's data path (<c>/blobs/&lt;alg&gt;/&lt;aa&gt;/&lt;hex&gt;/data</c>), or false for any other path.</summary>
    public static bool TryParseBlob(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Digest? digest)
    {
        digest = null;
        var parts = path.Split('/');
        return parts is ["", "blobs", var algorithm, var prefix, var hex, "data"]
            && Digest.TryParse(algorithm + ":" + hex, out digest)
            && hex.StartsWith(prefix, StringComparison.Ordinal) && prefix.Length == 2;
    }

    /// <summary>The session id of an upload's data path, or false for any other path.</summary>
    public static bool TryParseUpload(string path, out Guid sessionId)
    {
        sessionId = default;
        var parts = path.Split('/');
        return parts is ["", "uploads", var id, "data"] && Guid.TryParseExact(id, "N", out sessionId);
    }

    public static string UploadDirectory(Guid sessionId) => $"{UploadsRoot}/{sessionId:N}";

    public static string Upload(Guid sessionId) => UploadDirectory(sessionId) + "/data";
}
