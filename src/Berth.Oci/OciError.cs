namespace Berth.Oci;

/// <summary>An error to answer with: a catalog code, a message for humans and optional structured detail.</summary>
/// <param name="Code">The catalog entry.</param>
/// <param name="Message">What went wrong, for the person reading the client's output.</param>
/// <param name="Detail">Structured detail (the unknown digest, say), serialised as the error's <c>detail</c>.</param>
/// <param name="Status">The HTTP status when it is not the catalog's (416 for a chunk out of order).</param>
public sealed record OciError(ErrorCode Code, string Message, object? Detail = null, int? Status = null)
{
    public int HttpStatus => Status ?? ErrorCatalog.Get(Code).Status;

    public static OciError Of(ErrorCode code, string? message = null, object? detail = null, int? status = null) =>
        new(code, message ?? ErrorCatalog.Get(code).Message, detail, status);
}
