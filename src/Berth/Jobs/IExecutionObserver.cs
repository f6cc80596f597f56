using Berth.Data.Entities;

namespace Berth.Jobs;

/// <summary>Told when an execution of its vendor type ends, inside the transaction that ends it (so what it records commits with the end).</summary>
/// <remarks>It is told once per execution: the end is a conditional update that only one caller wins.</remarks>
public interface IExecutionObserver
{
    string VendorType { get; }

    /// <param name="execution">The execution as it ended, with its tasks.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task EndedAsync(Execution execution, CancellationToken cancellationToken);
}
