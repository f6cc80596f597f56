using Berth.Api;
using Berth.Artifacts;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Labels;

/// <summary>Labels: Harbor's global and project labels, and attaching them to artifacts. Who may is the endpoints' question.</summary>
public sealed class LabelService(BerthDbContext db, TimeProvider clock)
{
    public const int MaxNameLength = 128;

    private static readonly SortFields<Label> Order = new SortFields<Label>()
        .Add("id", l => l.Id)
        .Add("name", l => l.Name)
        .Add("creation_time", l => l.CreatedAt)
        .Add("update_time", l => l.UpdatedAt);

    private static readonly ListQuery.Sort[] DefaultOrder = [new("id", false)];
    private static readonly string[] Keys = ["name", "id"];

    public Task<Label?> FindAsync(long id, CancellationToken cancellationToken) =>
        db.Labels.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, cancellationToken);

    /// <summary>A page of the global labels (<paramref name="projectId"/> null) or of one project's, optionally those whose name contains <paramref name="name"/>.</summary>
    public async Task<(List<Label> Page, int Total)> ListAsync(long? projectId, string? name, ListQuery query, ApiPaging paging,
        CancellationToken cancellationToken)
    {
        var labels = db.Labels.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (!string.IsNullOrEmpty(name))
        {
            labels = labels.Where(l => l.Name.Contains(name));
        }

        foreach (var term in query.Terms.Values)
        {
            labels = term.Key switch
            {
                "name" => ListFilters.Text(labels, term, l => l.Name),
                "id" => ListFilters.Number(labels, term, l => l.Id),
                _ => throw ListFilters.UnknownKey(term.Key, Keys),
            };
        }

        var total = await labels.CountAsync(cancellationToken);
        var page = await Order.Apply(labels, query.Sorts, DefaultOrder, new("id", false)).Skip(paging.Skip).Take(paging.PageSize)
            .ToListAsync(cancellationToken);
        return (page, total);
    }

    /// <summary>Creates a label in the scope it names; a name its scope already has is Harbor's 409.</summary>
    public async Task<Label> CreateAsync(string scope, long? projectId, LabelRequest request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var label = new Label
        {
            Name = request.Name ?? "",
            Description = request.Description ?? "",
            Color = request.Color ?? "",
            Scope = scope,
            ProjectId = projectId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Validate(label);
        await EnsureUniqueAsync(label, cancellationToken);
        db.Labels.Add(label);
        await SaveAsync(label, cancellationToken);
        return label;
    }

    /// <summary>Changes a label's name, description and color; its scope and project stay.</summary>
    public async Task UpdateAsync(Label label, LabelRequest request, CancellationToken cancellationToken)
    {
        label.Name = request.Name ?? "";
        label.Description = request.Description ?? "";
        label.Color = request.Color ?? "";
        label.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        Validate(label);
        await EnsureUniqueAsync(label, cancellationToken);
        db.Labels.Update(label);
        await SaveAsync(label, cancellationToken);
    }

    /// <summary>Deletes a label, detaching it from every artifact.</summary>
    public Task DeleteAsync(Label label, CancellationToken cancellationToken) =>
        db.Labels.Where(l => l.Id == label.Id).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Attaches a label to an artifact of project <paramref name="projectId"/>: a global one, or one of that project.</summary>
    /// <remarks>An unknown label, or another project's, is Harbor's 404; one the artifact carries already, its 409.</remarks>
    public async Task AttachAsync(long projectId, Artifact artifact, long labelId, CancellationToken cancellationToken)
    {
        var label = await FindAsync(labelId, cancellationToken);
        if (label is null || (label.ProjectId is { } owner && owner != projectId))
        {
            throw ApiException.NotFound($"project id {projectId}, label {labelId} not found");
        }

        if (await db.LabelReferences.AnyAsync(r => r.LabelId == labelId && r.ArtifactId == artifact.Id, cancellationToken))
        {
            throw AlreadyAttached(labelId, artifact.Id);
        }

        db.LabelReferences.Add(new LabelReference { LabelId = labelId, ArtifactId = artifact.Id, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Attached meanwhile, or the label or the artifact was deleted meanwhile.
            db.ChangeTracker.Clear();
            throw await db.LabelReferences.AnyAsync(r => r.LabelId == labelId && r.ArtifactId == artifact.Id, cancellationToken)
                ? AlreadyAttached(labelId, artifact.Id)
                : ApiException.NotFound($"label {labelId} or artifact {artifact.Id} not found");
        }
    }

    public async Task DetachAsync(Artifact artifact, long labelId, CancellationToken cancellationToken)
    {
        if (await db.LabelReferences.Where(r => r.LabelId == labelId && r.ArtifactId == artifact.Id).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw ApiException.NotFound($"reference with label {labelId} and artifact {artifact.Id} not found");
        }
    }

    private static void Validate(Label label)
    {
        if (label.Name.Length is 0 or > MaxNameLength)
        {
            throw ApiException.BadRequest($"the label name must be 1 to {MaxNameLength} characters");
        }

        if (label.Description.Length > 1024 || label.Color.Length > 32)
        {
            throw ApiException.BadRequest("the label description is at most 1024 characters and its color at most 32");
        }
    }

    private async Task EnsureUniqueAsync(Label label, CancellationToken cancellationToken)
    {
        if (await db.Labels.AnyAsync(l => l.Id != label.Id && l.ProjectId == label.ProjectId && l.Name == label.Name, cancellationToken))
        {
            throw ApiException.Conflict($"label {label.Name} already exists");
        }
    }

    private async Task SaveAsync(Label label, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw ApiException.Conflict($"label {label.Name} already exists");
        }
    }

    private static ApiException AlreadyAttached(long labelId, long artifactId) =>
        ApiException.Conflict($"label {labelId} is already added to the artifact {artifactId}");
}
