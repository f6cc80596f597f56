namespace Berth.Data.Entities;

/// <summary>One task of an execution, run by one job; it keeps the log the API serves.</summary>
public sealed class ExecutionTask
{
    public long Id { get; set; }

    public long ExecutionId { get; set; }

    public ExecutionStatus Status { get; set; }

    public string? StatusMessage { get; set; }

    public int RunCount { get; set; }

    public string ExtraAttrs { get; set; } = "{}";

    public string Log { get; set; } = "";

    public DateTime CreationTime { get; set; }

    public DateTime? StartTime { get; set; }

    public DateTime UpdateTime { get; set; }

    public DateTime? EndTime { get; set; }

    public Execution? Execution { get; set; }
}
