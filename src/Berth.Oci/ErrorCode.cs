namespace Berth.Oci;

/// <summary>The distribution spec's error codes (<c>errors[].code</c>).</summary>
/// <remarks>The HTTP status and default message of each live in <see cref="ErrorCatalog"/>.</remarks>
public enum ErrorCode
{
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    PaginationNumberInvalid,
    Unknown,

    /// <summary>Harbor's code, not the spec's: a project policy (tag immutability) forbids the change.</summary>
    Precondition,
}
