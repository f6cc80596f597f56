using System.Text.Json;
using Berth.Api;
using Berth.Data.Entities;
using Berth.Labels;

namespace Berth.Artifacts;

/// <summary>Harbor's <c>Repository</c>, <c>Artifact</c>, <c>Tag</c>, <c>Reference</c> and <c>Accessory</c> objects, field by field as the swagger names them.</summary>
/// <remarks>A time never set (an artifact never pulled) is Harbor's zero time, <c>0001-01-01T00:00:00.000Z</c>, which the portal shows as empty.</remarks>
public static class ArtifactJson
{
    public static void Write(Utf8JsonWriter writer, RepositoryRow repository)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", repository.Id);
        writer.WriteNumber("project_id", repository.ProjectId);
        writer.WriteString("name", repository.Name);
        writer.WriteString("description", repository.Description);
        writer.WriteNumber("artifact_count", repository.ArtifactCount);
        writer.WriteNumber("pull_count", repository.PullCount);
        writer.WriteString("creation_time", ApiJson.Time(repository.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(repository.UpdateTime));
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, ArtifactView view)
    {
        var artifact = view.Artifact;
        writer.WriteStartObject();
        writer.WriteNumber("id", artifact.Id);
        writer.WriteString("type", artifact.Type);
        writer.WriteString("media_type", artifact.ConfigMediaType ?? artifact.MediaType);
        writer.WriteString("manifest_media_type", artifact.MediaType);
        writer.WriteString("artifact_type", artifact.ArtifactType ?? "");
        writer.WriteNumber("project_id", view.ProjectId);
        writer.WriteNumber("repository_id", artifact.RepositoryId);
        writer.WriteString("repository_name", view.RepositoryName);
        writer.WriteString("digest", artifact.Digest);
        writer.WriteNumber("size", artifact.Size);
        writer.WriteString("icon", "");
        writer.WriteString("push_time", ApiJson.Time(artifact.PushTime));
        writer.WriteString("pull_time", ApiJson.Time(artifact.PullTime ?? DateTime.MinValue));
        RawObject(writer, "extra_attrs", view.ExtraAttrsJson);
        RawObject(writer, "annotations", artifact.AnnotationsJson);
        writer.WriteStartArray("references");
        foreach (var reference in view.References)
        {
            Write(writer, reference);
        }

        writer.WriteEndArray();
        if (view.Tags is { } tags)
        {
            writer.WriteStartArray("tags");
            foreach (var tag in tags)
            {
                Write(writer, tag, view.ImmutableTagIds?.Contains(tag.Id) ?? false);
            }

            writer.WriteEndArray();
        }

        if (view.Labels is { } labels)
        {
            writer.WriteStartArray("labels");
            foreach (var label in labels)
            {
                LabelJson.Write(writer, label);
            }

            writer.WriteEndArray();
        }

        if (view.Accessories is { } accessories)
        {
            writer.WriteStartArray("accessories");
            foreach (var accessory in accessories)
            {
                Write(writer, accessory);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <param name="writer">Where the tag goes.</param>
    /// <param name="tag">The tag.</param>
    /// <param name="immutable">Whether a tag immutability rule protects it; Harbor writes false unless the request asked.</param>
    public static void Write(Utf8JsonWriter writer, Tag tag, bool immutable)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", tag.Id);
        writer.WriteNumber("repository_id", tag.RepositoryId);
        writer.WriteNumber("artifact_id", tag.ArtifactId);
        writer.WriteString("name", tag.Name);
        writer.WriteString("push_time", ApiJson.Time(tag.PushTime));
        writer.WriteString("pull_time", ApiJson.Time(tag.PullTime ?? DateTime.MinValue));
        writer.WriteBoolean("immutable", immutable);
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, ReferenceView reference)
    {
        writer.WriteStartObject();
        writer.WriteNumber("parent_id", reference.ParentId);
        writer.WriteNumber("child_id", reference.ChildId ?? 0);
        writer.WriteString("child_digest", reference.ChildDigest);
        if (reference.PlatformJson is not null)
        {
            WritePlatform(writer, reference.PlatformJson);
        }

        if (reference.AnnotationsJson is not null)
        {
            RawObject(writer, "annotations", reference.AnnotationsJson);
        }

        if (reference.Urls is { } urls)
        {
            writer.WriteStartArray("urls");
            foreach (var url in urls)
            {
                writer.WriteStringValue(url);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, AccessoryView accessory)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", accessory.Id);
        writer.WriteNumber("artifact_id", accessory.Id);
        writer.WriteNumber("subject_artifact_id", accessory.SubjectArtifactId);
        writer.WriteString("subject_artifact_digest", accessory.SubjectDigest);
        writer.WriteString("subject_artifact_repo", accessory.SubjectRepository);
        writer.WriteNumber("size", accessory.Size);
        writer.WriteString("digest", accessory.Digest);
        writer.WriteString("type", accessory.Type);
        writer.WriteString("icon", "");
        writer.WriteString("creation_time", ApiJson.Time(accessory.CreatedAt));
        writer.WriteEndObject();
    }

    /// <summary>Harbor's <c>Platform</c>: the fields it declares, taken from the index entry's platform object.</summary>
    /// <remarks>
    /// The swagger names two of them with their quotes (<c>'''os.version'''</c> in its YAML is the key <c>'os.version'</c>), and
    /// Harbor's generated server writes them so; clients generated from the swagger read them so too.
    /// </remarks>
    private static void WritePlatform(Utf8JsonWriter writer, string json)
    {
        using var document = JsonDocument.Parse(json);
        var platform = document.RootElement;
        writer.WriteStartObject("platform");
        foreach (var (from, to) in PlatformStrings)
        {
            if (platform.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.String)
            {
                writer.WriteString(to, value.GetString());
            }
        }

        if (platform.TryGetProperty("os.features", out var features) && features.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray("'os.features'");
            foreach (var feature in features.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.String))
            {
                writer.WriteStringValue(feature.GetString());
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static readonly (string From, string To)[] PlatformStrings =
        [("architecture", "architecture"), ("os", "os"), ("os.version", "'os.version'"), ("variant", "variant")];

    /// <summary>A stored JSON object (validated as one when it was pushed), or <c>{}</c> when there is none.</summary>
    private static void RawObject(Utf8JsonWriter writer, string name, string? json)
    {
        writer.WritePropertyName(name);
        if (json is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
    }
}
