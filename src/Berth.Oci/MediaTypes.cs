namespace Berth.Oci;

/// <summary>The media types a registry must tell apart.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsImageManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsManifest(string mediaType) => IsIndex(mediaType) || IsImageManifest(mediaType);

    public static bool IsSchema1(string mediaType) => mediaType is DockerSchema1 or DockerSchema1Signed;

    /// <summary>The media type without parameters (<c>; charset=…</c>) and surrounding space, in lower case.</summary>
    public static string Normalize(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return "";
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var bare = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return bare.Trim().ToLowerInvariant();
    }
}
