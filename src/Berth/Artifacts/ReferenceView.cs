namespace Berth.Artifacts;

/// <summary>Harbor's <c>Reference</c>: an index entry, with the id of the child artifact when the repository holds it.</summary>
public sealed record ReferenceView(long ParentId, long? ChildId, string ChildDigest, string? PlatformJson, string? AnnotationsJson, IReadOnlyList<string>? Urls);
