namespace Berth.Retention;

/// <summary>An artifact as retention sees it: its tags, and push and pull times over the artifact and all its tags.</summary>
public sealed record RetentionCandidate(long ArtifactId, string Digest, IReadOnlyList<string> Tags, DateTime PushTime, DateTime? PullTime);
