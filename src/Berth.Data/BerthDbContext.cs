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
            e.HasOne(x => x.Repository).WithMany().HasForeignKey(x => x.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
