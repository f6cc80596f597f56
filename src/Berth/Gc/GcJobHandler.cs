using Berth.Jobs;

namespace Berth.Gc;

/// <summary>Runs GC as a job (kind <c>gc</c>), so that a manual run, a schedule and every replica share one mechanism.</summary>
public sealed class GcJobHandler(GcService gc) : IJobHandler
{
    public const string JobKind = "gc";
    public const string VendorType = "GARBAGE_COLLECTION";

    public string Kind => JobKind;

    public async Task<IReadOnlyDictionary<string, object?>?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters<GcParameters>();
        var result = await gc.RunAsync(parameters, context.Log, null, cancellationToken);
        return result.ToAttributes(parameters.DryRun);
    }
}
