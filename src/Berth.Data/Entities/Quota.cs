namespace Berth.Data.Entities;

/// <summary>A project's storage quota, Harbor's only resource: the hard limit in bytes (-1 for none) and what is used.</summary>
/// <remarks>
/// <see cref="Used"/> is the sum of the sizes of the project's <see cref="ProjectBlob"/> rows, kept in step with them in
/// the same transactions: a charge adds to it under a condition on <see cref="Hard"/>, so two pushes racing for the last
/// free bytes cannot both pass; a release counts it again from the rows.
/// </remarks>
public sealed class Quota
{
    public long Id { get; set; }

    public long ProjectId { get; set; }

    public long Hard { get; set; } = -1;

    public long Used { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
