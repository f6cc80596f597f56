namespace Berth.Distribution.Manifests;

/// <summary>What a manifest request needs before it touches the bytes.</summary>
public sealed record ManifestHead(string Digest, string MediaType, long Size, string? SubjectDigest);
