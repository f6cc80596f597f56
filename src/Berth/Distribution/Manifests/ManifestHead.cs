namespace Berth.Distribution.Manifests;

/// <summary>What a manifest request needs before it touches the bytes.</summary>
/// <param name="Digest">The manifest's digest.</param>
/// <param name="MediaType">Its media type, as pushed.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="SubjectDigest">The digest its <c>subject</c> names, if any.</param>
/// <param name="ArtifactId">The artifact row, for recording pulls.</param>
/// <param name="TagId">The tag row when it was resolved by tag, for recording pulls.</param>
/// <param name="RepositoryId">The repository, whose pull count a pull raises.</param>
public sealed record ManifestHead(string Digest, string MediaType, long Size, string? SubjectDigest, long ArtifactId, long? TagId, long RepositoryId);
