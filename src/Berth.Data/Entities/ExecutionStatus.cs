namespace Berth.Data.Entities;

/// <summary>Harbor's execution and task statuses.</summary>
public enum ExecutionStatus
{
    Pending = 0,
    Running = 1,
    Success = 2,
    Error = 3,
    Stopped = 4,
}
