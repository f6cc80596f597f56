using Berth.Data;
using Berth.Data.Entities;
using Berth.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Berth.Retention;

/// <summary>
/// Starts retention executions as Harbor does: one task, run by its own job, per repository of the project that an enabled
/// rule selects; no task for the others, and an execution without tasks is a success at once.
/// </summary>
/// <remarks>
/// The execution, its tasks and their jobs are written in one transaction, so an execution either exists with all its
/// tasks or not at all; each task is then an ordinary durable job (leased, retried, taken over when its worker dies),
/// and the execution ends when its last task does. Each job carries the policy as it was at the start, so editing the
/// policy during a run does not mix two versions in one execution.
/// </remarks>
public sealed class RetentionLauncher(BerthDbContext db, RetentionPolicyStore policies, ExecutionStore executions, ScheduleStore schedules)
    : IExecutionLauncher
{
    public const string NothingToDo = "no repository is selected by the policy's enabled rules";

    public string VendorType => RetentionJobHandler.VendorType;

    public async Task<Execution?> LaunchAsync(Schedule schedule, CancellationToken cancellationToken)
    {
        if (schedule.VendorId is not { } id || await policies.FindAsync(id, cancellationToken) is not { } policy)
        {
            // The policy went with its project: the schedule has nothing left to run.
            await schedules.RemoveAsync(schedule.Name, cancellationToken);
            return null;
        }

        return await StartAsync(policy, ExecutionStore.Scheduled, dryRun: false, cancellationToken);
    }

    /// <summary>Starts an execution of <paramref name="policy"/> (as <see cref="RetentionPolicyStore.FindAsync"/> returns it).</summary>
    public async Task<Execution> StartAsync(RetentionPolicy policy, string trigger, bool dryRun, CancellationToken cancellationToken)
    {
        var projectId = policy.Scope!.Ref;
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.Name).FirstAsync(cancellationToken);
        var prefix = project + "/";
        var repositories = await db.Repositories.AsNoTracking()
            .Where(r => r.Name.StartsWith(prefix) && db.Artifacts.Any(a => a.RepositoryId == r.Id))
            .OrderBy(r => r.Name).Select(r => r.Name).ToListAsync(cancellationToken);
        var tasks = repositories.Where(r => RetentionEvaluator.Selects(policy, r[prefix.Length..]))
            .Select(r => new TaskStart(
                RetentionJobHandler.JobKind,
                JobJson.Serialize(new RetentionParameters { Project = project, Repository = r, DryRun = dryRun, Policy = policy }),
                // Harbor's task attributes: the repository without its project, and the run's mode.
                JobJson.Serialize(new Dictionary<string, object> { ["repository"] = r[prefix.Length..], ["dry_run"] = dryRun })))
            .ToList();
        var attributes = JobJson.Serialize(new Dictionary<string, object> { ["dry_run"] = dryRun });
        return await executions.StartAsync(RetentionJobHandler.VendorType, policy.Id, trigger, attributes, tasks, NothingToDo, cancellationToken);
    }
}
