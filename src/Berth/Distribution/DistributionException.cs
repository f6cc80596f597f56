using Berth.Oci;

namespace Berth.Distribution;

/// <summary>Ends a request with an OCI error; <see cref="V2Router"/> turns it into the spec's error body.</summary>
/// <remarks>Thrown from services so that a handler stays a straight line; never for expected control flow in loops.</remarks>
public sealed class DistributionException(OciError error) : Exception(error.Message)
{
    public OciError Error { get; } = error;

    public static DistributionException Of(ErrorCode code, string? message = null, object? detail = null, int? status = null) =>
        new(OciError.Of(code, message, detail, status));
}
