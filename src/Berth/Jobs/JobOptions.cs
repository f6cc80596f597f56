using System.ComponentModel.DataAnnotations;

namespace Berth.Jobs;

/// <summary>The background workers. Section <c>Jobs</c>; every replica runs them on the shared queue.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Whether this process works the queue at all (CLI verbs that run one thing turn it off).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many jobs this process runs at once.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>How often an idle worker and the scheduler look for due work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim lasts without renewal; a job whose worker died is claimed again after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts before a failing job is given up.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait after the first failed attempt; it doubles with each further one.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(10);
}
