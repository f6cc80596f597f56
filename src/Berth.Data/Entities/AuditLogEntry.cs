namespace Berth.Data.Entities;

/// <summary>One line of the audit log, in Harbor's legacy shape: who did what to which resource, and when.</summary>
public sealed class AuditLogEntry
{
    public long Id { get; set; }

    /// <summary>The project the resource belongs to (0 for none), which the per-project log filters on.</summary>
    public long ProjectId { get; set; }

    /// <summary><c>create</c>, <c>delete</c>, <c>pull</c>, …</summary>
    public required string Operation { get; set; }

    /// <summary><c>project</c>, <c>repository</c>, <c>artifact</c>, …</summary>
    public required string ResourceType { get; set; }

    /// <summary>The project name, <c>project/repository</c>, or <c>project/repository:tag-or-digest</c>.</summary>
    public required string Resource { get; set; }

    public required string Username { get; set; }

    public DateTime OpTime { get; set; }
}
