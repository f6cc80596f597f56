namespace Berth.Gc;

/// <summary>One GC run's parameters, in Harbor's <c>job_parameters</c> names.</summary>
public sealed class GcParameters
{
    /// <summary>Also delete artifacts that no tag names (and that no index or subject holds on to).</summary>
    public bool DeleteUntagged { get; set; }

    /// <summary>Report what would be freed, change nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Parallel deletes against the store (Harbor: 1 to 10).</summary>
    public int Workers { get; set; } = 1;
}
