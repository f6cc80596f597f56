namespace Berth.Retention;

/// <summary>One retention task: the policy (as it was when the execution started) over one repository, and whether to only report.</summary>
public sealed class RetentionParameters
{
    /// <summary>The project the policy belongs to.</summary>
    public string Project { get; set; } = "";

    /// <summary>The repository's full name, <c>&lt;project&gt;/…</c>.</summary>
    public string Repository { get; set; } = "";

    public bool DryRun { get; set; }

    public RetentionPolicy Policy { get; set; } = new();
}
