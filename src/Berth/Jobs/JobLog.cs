namespace Berth.Jobs;

/// <summary>The job system's log messages.</summary>
internal static partial class JobLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "job {JobId}: {Message}")]
    public static partial void Line(ILogger logger, long jobId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "job {JobId} ({Kind}) claimed by {Owner}, attempt {Attempt}")]
    public static partial void Claimed(ILogger logger, long jobId, string kind, string owner, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job {JobId} ({Kind}) failed on attempt {Attempt}")]
    public static partial void Failed(ILogger logger, Exception exception, long jobId, string kind, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job {JobId}: lease lost to another worker; stopping")]
    public static partial void LeaseLost(ILogger logger, long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "schedule {Name} fired {What} {Id}; next run {Next:o}")]
    public static partial void Fired(ILogger logger, string name, string what, long id, DateTime next);

    [LoggerMessage(Level = LogLevel.Error, Message = "the {Loop} loop failed; retrying")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop);
}
