namespace Berth.Oci.Tests;

public class ErrorCatalogTests
{
    [Fact]
    public void Every_code_has_its_entry() =>
        Assert.All(Enum.GetValues<ErrorCode>(), code => Assert.Equal(code, ErrorCatalog.Get(code).Code));

    [Theory]
    [InlineData(ErrorCode.BlobUnknown, "BLOB_UNKNOWN", 404)]
    [InlineData(ErrorCode.BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400)]
    [InlineData(ErrorCode.BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404)]
    [InlineData(ErrorCode.DigestInvalid, "DIGEST_INVALID", 400)]
    [InlineData(ErrorCode.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400)]
    [InlineData(ErrorCode.ManifestInvalid, "MANIFEST_INVALID", 400)]
    [InlineData(ErrorCode.ManifestUnknown, "MANIFEST_UNKNOWN", 404)]
    [InlineData(ErrorCode.NameInvalid, "NAME_INVALID", 400)]
    [InlineData(ErrorCode.NameUnknown, "NAME_UNKNOWN", 404)]
    [InlineData(ErrorCode.SizeInvalid, "SIZE_INVALID", 400)]
    [InlineData(ErrorCode.Unauthorized, "UNAUTHORIZED", 401)]
    [InlineData(ErrorCode.Denied, "DENIED", 403)]
    [InlineData(ErrorCode.Unsupported, "UNSUPPORTED", 405)]
    [InlineData(ErrorCode.TooManyRequests, "TOOMANYREQUESTS", 429)]
    [InlineData(ErrorCode.PaginationNumberInvalid, "PAGINATION_NUMBER_INVALID", 400)]
    [InlineData(ErrorCode.Unknown, "UNKNOWN", 500)]
    [InlineData(ErrorCode.Precondition, "PRECONDITION", 412)]
    public void Codes_and_statuses_are_the_specs(ErrorCode code, string value, int status)
    {
        var entry = ErrorCatalog.Get(code);
        Assert.Equal(value, entry.Value);
        Assert.Equal(status, entry.Status);
    }
}
