namespace Berth.Artifacts;

/// <summary>Harbor's <c>SearchRepository</c>: a repository with its project's name and visibility.</summary>
public sealed record SearchRow(long ProjectId, string ProjectName, bool ProjectPublic, string RepositoryName, long PullCount, long ArtifactCount);
