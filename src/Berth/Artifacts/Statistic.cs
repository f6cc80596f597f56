namespace Berth.Artifacts;

/// <summary>Harbor's <c>Statistic</c>: project and repository counts, and for administrators totals and the storage used.</summary>
public sealed record Statistic(long PrivateProjects, long PrivateRepositories, long PublicProjects, long PublicRepositories,
    long TotalProjects, long TotalRepositories, long TotalStorage);
