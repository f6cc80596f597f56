using Berth.Data.Entities;

namespace Berth.Jobs;

/// <summary>
/// Starts the executions of one vendor type when their schedule fires, for vendors whose tasks are only known then (a
/// retention run has one task per repository the policy selects at that moment).
/// </summary>
/// <remarks>
/// The scheduler calls it inside the transaction that moves the schedule on, so a due time starts exactly one execution.
/// Vendors without a launcher get the default: one execution of one task running the schedule's job.
/// </remarks>
public interface IExecutionLauncher
{
    string VendorType { get; }

    /// <summary>Starts the execution for <paramref name="schedule"/> (its <see cref="Schedule.VendorId"/> names the policy).</summary>
    /// <returns>The execution, or null when there is nothing to run any more (the policy is gone).</returns>
    Task<Execution?> LaunchAsync(Schedule schedule, CancellationToken cancellationToken);
}
