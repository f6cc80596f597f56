using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Data;

/// <summary>Berth's metadata. Provider-neutral: each provider keeps its own migration set.</summary>
public sealed class BerthDbContext(DbContextOptions<BerthDbContext> options) : DbContext(options)
{
    public DbSet<Repository> Repositories => Set<Repository>();

    public DbSet<Blob> Blobs => Set<Blob>();

    public DbSet<RepositoryBlob> RepositoryBlobs => Set<RepositoryBlob>();

    public DbSet<Artifact> Artifacts => Set<Artifact>();

    public DbSet<ArtifactReference> ArtifactReferences => Set<ArtifactReference>();

    public DbSet<Tag> Tags => Set<Tag>();

    public DbSet<UploadSession> UploadSessions => Set<UploadSession>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<Schedule> Schedules => Set<Schedule>();

    public DbSet<Execution> Executions => Set<Execution>();

    public DbSet<ExecutionTask> ExecutionTasks => Set<ExecutionTask>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Project> Projects => Set<Project>();

    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<InstallationKey> InstallationKeys => Set<InstallationKey>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Robot> Robots => Set<Robot>();

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<ProjectMetadata> ProjectMetadata => Set<ProjectMetadata>();

    public DbSet<Policy> Policies => Set<Policy>();

    public DbSet<ConfigurationEntry> Configurations => Set<ConfigurationEntry>();

    public DbSet<Label> Labels => Set<Label>();

    public DbSet<LabelReference> LabelReferences => Set<LabelReference>();

    public DbSet<Quota> Quotas => Set<Quota>();

    public DbSet<ProjectBlob> ProjectBlobs => Set<ProjectBlob>();

    public DbSet<OutboxEvent> Events => Set<OutboxEvent>();

    public DbSet<AuditLogEntry> AuditLog => Set<AuditLogEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Repository>(e =>
        {
            e.ToTable("repositories");
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasIndex(x => x.Name).IsUnique();
        });

        modelBuilder.Entity<Blob>(e =>
        {
            e.ToTable("blobs");
            e.Property(x => x.Digest).HasMaxLength(160);
            e.HasIndex(x => x.Digest).IsUnique();
            e.HasIndex(x => new { x.State, x.UpdatedAt });
        });

        modelBuilder.Entity<RepositoryBlob>(e =>
        {
            e.ToTable("repository_blobs");
            e.HasKey(x => new { x.RepositoryId, x.BlobId });
            e.HasIndex(x => x.BlobId);
            e.HasOne(x => x.Repository).WithMany().HasForeignKey(x => x.RepositoryId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(x => x.Blob).WithMany().HasForeignKey(x => x.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Artifact>(e =>
        {
            e.ToTable("artifacts");
            e.Property(x => x.Digest).HasMaxLength(160);
            e.Property(x => x.MediaType).HasMaxLength(255);
            e.Property(x => x.ArtifactType).HasMaxLength(255);
            e.Property(x => x.ConfigMediaType).HasMaxLength(255);
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.SubjectDigest).HasMaxLength(160);
            e.HasIndex(x => new { x.RepositoryId, x.Digest }).IsUnique();
            e.HasIndex(x => new { x.RepositoryId, x.SubjectDigest });
            e.HasIndex(x => x.BlobId);
            e.HasOne(x => x.Repository).WithMany().HasForeignKey(x => x.RepositoryId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(x => x.Blob).WithMany().HasForeignKey(x => x.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ArtifactReference>(e =>
        {
            e.ToTable("artifact_references");
            e.Property(x => x.Digest).HasMaxLength(160);
            e.HasIndex(x => x.ArtifactId);
            e.HasIndex(x => x.BlobId);
            e.HasIndex(x => x.Digest);
            e.HasOne(x => x.Artifact).WithMany(x => x.References).HasForeignKey(x => x.ArtifactId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Blob>().WithMany().HasForeignKey(x => x.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Tag>(e =>
        {
            e.ToTable("tags");
            e.Property(x => x.Name).HasMaxLength(128);
            e.HasIndex(x => new { x.RepositoryId, x.Name }).IsUnique();
            e.HasIndex(x => x.ArtifactId);
            e.HasOne(x => x.Artifact).WithMany(x => x.Tags).HasForeignKey(x => x.ArtifactId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Repository>().WithMany().HasForeignKey(x => x.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UploadSession>(e =>
        {
            e.ToTable("upload_sessions");
            e.HasIndex(x => x.UpdatedAt);
            e.Property(x => x.CompletingDigest).HasMaxLength(200);
            e.HasOne(x => x.Repository).WithMany().HasForeignKey(x => x.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Job>(e =>
        {
            e.ToTable("jobs");
            e.Property(x => x.Kind).HasMaxLength(64);
            e.Property(x => x.LeaseOwner).HasMaxLength(128);
            e.HasIndex(x => new { x.State, x.RunAfter });
            e.HasIndex(x => x.TaskId);
        });

        modelBuilder.Entity<Schedule>(e =>
        {
            e.ToTable("schedules");
            e.Property(x => x.Name).HasMaxLength(128);
            e.Property(x => x.Cron).HasMaxLength(128);
            e.Property(x => x.JobKind).HasMaxLength(64);
            e.Property(x => x.VendorType).HasMaxLength(64);
            e.HasIndex(x => x.Name).IsUnique();
            e.HasIndex(x => x.NextRunAt);
        });

        modelBuilder.Entity<Execution>(e =>
        {
            e.ToTable("executions");
            e.Property(x => x.VendorType).HasMaxLength(64);
            e.Property(x => x.Trigger).HasMaxLength(16);
            e.HasIndex(x => new { x.VendorType, x.VendorId, x.StartTime });
        });

        modelBuilder.Entity<User>(e =>
        {
            e.ToTable("users");
            e.Property(x => x.Username).HasMaxLength(255);
            e.Property(x => x.Email).HasMaxLength(255);
            e.Property(x => x.Realname).HasMaxLength(255);
            e.Property(x => x.Comment).HasMaxLength(1024);
            e.HasIndex(x => x.Username).IsUnique();
        });

        modelBuilder.Entity<Project>(e =>
        {
            e.ToTable("projects");
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasIndex(x => x.Name).IsUnique();
            e.HasOne<User>().WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<ProjectMember>(e =>
        {
            e.ToTable("project_members");
            e.HasIndex(x => new { x.ProjectId, x.UserId }).IsUnique();
            e.HasIndex(x => x.UserId);
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Robot>(e =>
        {
            e.ToTable("robots");
            e.Property(x => x.Name).HasMaxLength(512);
            e.Property(x => x.Description).HasMaxLength(1024);
            e.Property(x => x.Level).HasMaxLength(16);
            e.Property(x => x.CreatorType).HasMaxLength(16);
            e.HasIndex(x => x.Name).IsUnique();
            e.HasIndex(x => x.ProjectId);
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Session>(e =>
        {
            e.ToTable("sessions");
            e.Property(x => x.Id).HasMaxLength(64);
            e.HasIndex(x => x.UserId);
            e.HasIndex(x => x.ExpiresAt);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProjectMetadata>(e =>
        {
            e.ToTable("project_metadata");
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.Value).HasMaxLength(1024);
            // One value per name: this is also what keeps a project to one retention policy.
            e.HasIndex(x => new { x.ProjectId, x.Name }).IsUnique();
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Policy>(e =>
        {
            e.ToTable("policies");
            e.Property(x => x.Kind).HasMaxLength(32);
            e.HasIndex(x => new { x.Kind, x.ProjectId });
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ConfigurationEntry>(e =>
        {
            e.ToTable("configurations");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(64);
        });

        modelBuilder.Entity<Label>(e =>
        {
            e.ToTable("labels");
            e.Property(x => x.Name).HasMaxLength(128);
            e.Property(x => x.Description).HasMaxLength(1024);
            e.Property(x => x.Color).HasMaxLength(32);
            e.Property(x => x.Scope).HasMaxLength(1);
            // One name per project, and one among the global labels (whose project is null, which a plain unique index ignores).
            e.HasIndex(x => new { x.ProjectId, x.Name }).IsUnique();
            e.HasIndex(x => x.Name).IsUnique().HasFilter("\"ProjectId\" IS NULL");
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<LabelReference>(e =>
        {
            e.ToTable("label_references");
            e.HasKey(x => new { x.LabelId, x.ArtifactId });
            e.HasIndex(x => x.ArtifactId);
            e.HasOne<Label>().WithMany().HasForeignKey(x => x.LabelId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Artifact>().WithMany().HasForeignKey(x => x.ArtifactId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Quota>(e =>
        {
            e.ToTable("quotas");
            e.HasIndex(x => x.ProjectId).IsUnique();
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProjectBlob>(e =>
        {
            e.ToTable("project_blobs");
            e.HasKey(x => new { x.ProjectId, x.BlobId });
            e.HasIndex(x => x.BlobId);
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
            // GC must release a blob from every quota before it may delete it: a forgotten release fails loudly.
            e.HasOne(x => x.Blob).WithMany().HasForeignKey(x => x.BlobId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<OutboxEvent>(e =>
        {
            e.ToTable("events");
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Operator).HasMaxLength(512);
            e.Property(x => x.RequestId).HasMaxLength(128);
            e.Property(x => x.ClaimedBy).HasMaxLength(128);
            e.HasIndex(x => new { x.Failed, x.ClaimedUntil });
        });

        modelBuilder.Entity<AuditLogEntry>(e =>
        {
            e.ToTable("audit_log");
            e.Property(x => x.Operation).HasMaxLength(32);
            e.Property(x => x.ResourceType).HasMaxLength(32);
            e.Property(x => x.Resource).HasMaxLength(1024);
            e.Property(x => x.Username).HasMaxLength(512);
            e.HasIndex(x => x.OpTime);
            e.HasIndex(x => new { x.ProjectId, x.OpTime });
        });

        modelBuilder.Entity<SigningKey>(e =>
        {
            e.ToTable("signing_keys");
            e.Property(x => x.Id).HasMaxLength(64);
        });

        modelBuilder.Entity<InstallationKey>(e =>
        {
            e.ToTable("installation_keys");
            e.HasKey(x => x.Purpose);
            e.Property(x => x.Purpose).HasMaxLength(64);
        });

        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable("data_protection_keys");
            e.Property(x => x.FriendlyName).HasMaxLength(256);
        });

        modelBuilder.Entity<ExecutionTask>(e =>
        {
            e.ToTable("tasks");
            e.HasIndex(x => x.ExecutionId);
            e.HasOne(x => x.Execution).WithMany(x => x.Tasks).HasForeignKey(x => x.ExecutionId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
