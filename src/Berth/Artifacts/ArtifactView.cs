using Berth.Data.Entities;

namespace Berth.Artifacts;

/// <summary>An artifact with what Harbor's <c>Artifact</c> shows around it.</summary>
/// <param name="Artifact">The artifact row.</param>
/// <param name="ProjectId">Its project.</param>
/// <param name="RepositoryName">Its repository's full name.</param>
/// <param name="Tags">Null when the request asked for none (<c>with_tag=false</c>).</param>
/// <param name="References">An index's entries; empty for anything else.</param>
/// <param name="Accessories">Null unless the request asked for them (<c>with_accessory=true</c>).</param>
/// <param name="Labels">Null unless the request asked for them (<c>with_label=true</c>).</param>
/// <param name="ExtraAttrsJson">A JSON object, or null for none.</param>
/// <param name="ImmutableTagIds">The ids of its tags that are immutable, when the request asked (<c>with_immutable_status=true</c>).</param>
public sealed record ArtifactView(
    Artifact Artifact,
    long ProjectId,
    string RepositoryName,
    IReadOnlyList<Tag>? Tags,
    IReadOnlyList<ReferenceView> References,
    IReadOnlyList<AccessoryView>? Accessories,
    IReadOnlyList<Label>? Labels,
    string? ExtraAttrsJson,
    IReadOnlySet<long>? ImmutableTagIds = null);
