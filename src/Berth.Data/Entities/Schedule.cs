namespace Berth.Data.Entities;

/// <summary>A recurring job: on a cron (Harbor's six fields, seconds first) or at a fixed interval.</summary>
/// <remarks>Whichever replica first moves <see cref="NextRunAt"/> forward fires it; the others see it moved.</remarks>
public sealed class Schedule
{
    public long Id { get; set; }

    /// <summary>What the schedule is for, unique: <c>gc</c>, <c>upload-purge</c>, <c>retention/7</c>.</summary>
    public required string Name { get; set; }

    /// <summary>The cron expression, or null for an interval schedule.</summary>
    public string? Cron { get; set; }

    /// <summary>The interval in seconds, when <see cref="Cron"/> is null.</summary>
    public long? IntervalSeconds { get; set; }

    public required string JobKind { get; set; }

    public string Payload { get; set; } = "{}";

    /// <summary>When set, each firing is recorded as an execution of this vendor type (trigger <c>SCHEDULE</c>).</summary>
    public string? VendorType { get; set; }

    public long? VendorId { get; set; }

    public DateTime NextRunAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
