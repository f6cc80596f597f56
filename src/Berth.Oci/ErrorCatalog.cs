namespace Berth.Oci;

/// <summary>One entry of the error catalog: the wire code, its HTTP status and its default message.</summary>
public sealed record ErrorDescriptor(ErrorCode Code, string Value, int Status, string Message);

/// <summary>Every OCI error code Berth answers with, in one place, as distribution's errcode registry keeps them.</summary>
/// <remarks>
/// The status codes are the spec's (distribution-spec v1.1, "Error Codes"); a response may override the status where
/// the spec asks for another (416 for an upload chunk out of order, 413 for an oversized manifest).
/// <see cref="ErrorCode.PaginationNumberInvalid"/> is distribution's own code for a malformed <c>n</c>, and
/// <see cref="ErrorCode.Unknown"/> its code for a failure of the server itself (never for a client's mistake).
/// <see cref="ErrorCode.Precondition"/> is Harbor's, which docker and the other clients show with its message: a tag that a
/// tag immutability rule protects.
/// </remarks>
public static class ErrorCatalog
{
    private static readonly ErrorDescriptor[] Entries =
    [
        new(ErrorCode.BlobUnknown, "BLOB_UNKNOWN", 404, "blob unknown to registry"),
        new(ErrorCode.BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400, "blob upload invalid"),
        new(ErrorCode.BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"),
        new(ErrorCode.DigestInvalid, "DIGEST_INVALID", 400, "provided digest did not match uploaded content"),
        new(ErrorCode.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400, "manifest references a manifest or blob unknown to registry"),
        new(ErrorCode.ManifestInvalid, "MANIFEST_INVALID", 400, "manifest invalid"),
        new(ErrorCode.ManifestUnknown, "MANIFEST_UNKNOWN", 404, "manifest unknown to registry"),
        new(ErrorCode.NameInvalid, "NAME_INVALID", 400, "invalid repository name"),
        new(ErrorCode.NameUnknown, "NAME_UNKNOWN", 404, "repository name not known to registry"),
        new(ErrorCode.SizeInvalid, "SIZE_INVALID", 400, "provided length did not match content length"),
        new(ErrorCode.Unauthorized, "UNAUTHORIZED", 401, "authentication required"),
        new(ErrorCode.Denied, "DENIED", 403, "requested access to the resource is denied"),
        new(ErrorCode.Unsupported, "UNSUPPORTED", 405, "the operation is unsupported"),
        new(ErrorCode.TooManyRequests, "TOOMANYREQUESTS", 429, "too many requests"),
        new(ErrorCode.PaginationNumberInvalid, "PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested"),
        new(ErrorCode.Unknown, "UNKNOWN", 500, "unknown error"),
        new(ErrorCode.Precondition, "PRECONDITION", 412, "the request violates a policy of the project"),
    ];

    public static IReadOnlyList<ErrorDescriptor> All => Entries;

    public static ErrorDescriptor Get(ErrorCode code) => Entries[(int)code];
}
