namespace Berth.Data.Entities;

/// <summary>One run of a policy (a GC, a retention run): what Harbor's executions endpoints show.</summary>
public sealed class Execution
{
    public long Id { get; set; }

    /// <summary>Harbor's vendor type: <c>GARBAGE_COLLECTION</c>, <c>RETENTION</c>, <c>PURGE_UPLOADS</c>, …</summary>
    public required string VendorType { get; set; }

    /// <summary>The policy it ran for, where there is one.</summary>
    public long? VendorId { get; set; }

    /// <summary><c>MANUAL</c>, <c>SCHEDULE</c> or <c>EVENT</c>.</summary>
    public required string Trigger { get; set; }

    public ExecutionStatus Status { get; set; }

    public string? StatusMessage { get; set; }

    /// <summary>Parameters and results as a JSON object (Harbor's <c>extra_attrs</c>).</summary>
    public string ExtraAttrs { get; set; } = "{}";

    public DateTime StartTime { get; set; }

    public DateTime? EndTime { get; set; }

    public List<ExecutionTask> Tasks { get; set; } = [];
}
