namespace Berth.Artifacts;

/// <summary>One entry of an index as the artifact API shows it under <c>references</c>: raw JSON objects, as pushed.</summary>
public sealed record IndexEntry(string Digest, string? PlatformJson, string? AnnotationsJson, IReadOnlyList<string>? Urls);
