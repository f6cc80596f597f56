namespace Berth.Data.Entities;

/// <summary>An upload in progress; its bytes are at <c>/uploads/&lt;id&gt;/data</c> in the blob store.</summary>
public sealed class UploadSession
{
    public Guid Id { get; set; }

    public long RepositoryId { get; set; }

    /// <summary>Bytes received and made durable, as last recorded; the store's object is the truth, and a chunk records it only now and then.</summary>
    public long Offset { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// The digest the upload was verified to have, recorded before its bytes move to the blob's path; a completion
    /// retried after a crash in that window finishes from here instead of finding the bytes gone.
    /// </summary>
    public string? CompletingDigest { get; set; }

    /// <summary>The request holding the session (on any replica) until <see cref="LeaseExpiresAt"/>, unless it renews.</summary>
    public Guid? LeaseToken { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public Repository? Repository { get; set; }
}
