namespace Berth.Retention;

/// <summary>One retention run: the policy, the project it applies to, and whether to only report.</summary>
public sealed class RetentionParameters
{
    /// <summary>The project whose repositories (<c>&lt;project&gt;/…</c>) the policy covers.</summary>
    public string Project { get; set; } = "";

    public bool DryRun { get; set; }

    public RetentionPolicy Policy { get; set; } = new();
}
