using System.Text.Json;
using Berth.Distribution.Manifests;
using Berth.Oci;
using Berth.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace Berth.Artifacts;

/// <summary>What the artifact API shows from the stored documents themselves: an index's entries and a manifest's config.</summary>
/// <remarks>
/// <para>
/// The database says what a manifest names; the manifest bytes (already cached by digest for pulls) add what only the API
/// shows, an index entry's <c>annotations</c> and <c>urls</c>. The config blob gives <c>extra_attrs</c>, as Harbor's
/// processors derive them: for an image its <c>architecture</c>, <c>author</c>, <c>config</c>, <c>created</c> and
/// <c>os</c>; for another known type (a chart, say) the whole config; for an unknown type and an index, nothing.
/// </para>
/// <para>
/// Both are content-addressed, so what is derived from them is cached by digest and never stale. A document that cannot
/// be read (GC took it since the query, or it is corrupt) leaves those fields empty rather than failing the list.
/// </para>
/// </remarks>
public sealed partial class ArtifactDocuments(ManifestCache manifests, IStorageDriver storage, ILogger<ArtifactDocuments> logger) : IDisposable
{
    /// <summary>Configs larger than this are not read for <c>extra_attrs</c>.</summary>
    public const int MaxConfigBytes = 1024 * 1024;

    private static readonly string[] AuthorLabels = ["org.opencontainers.image.authors", "maintainer"];

    private readonly MemoryCache _extraAttrs = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The entries of an index, in order, or an empty list when it cannot be read.</summary>
    public async Task<IReadOnlyList<IndexEntry>> EntriesAsync(string digest, CancellationToken cancellationToken)
    {
        using var document = await ReadManifestAsync(digest, cancellationToken);
        if (document is null || !document.RootElement.TryGetProperty("manifests", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<IndexEntry>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("digest", out var childDigest) || childDigest.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var urls = entry.TryGetProperty("urls", out var urlArray) && urlArray.ValueKind == JsonValueKind.Array
                ? urlArray.EnumerateArray().Where(u => u.ValueKind == JsonValueKind.String).Select(u => u.GetString()!).ToList()
                : null;
            list.Add(new IndexEntry(childDigest.GetString()!, RawObject(entry, "platform"), RawObject(entry, "annotations"), urls));
        }

        return list;
    }

    /// <summary><c>extra_attrs</c> of an image manifest of Harbor type <paramref name="kind"/>, as a JSON object, or null.</summary>
    public async Task<string?> ExtraAttrsAsync(string digest, string kind, CancellationToken cancellationToken)
    {
        if (kind == ArtifactKinds.Unknown)
        {
            return null;
        }

        ConfigDescriptor? config;
        using (var document = await ReadManifestAsync(digest, cancellationToken))
        {
            config = document is null ? null : Config(document.RootElement);
        }

        if (config is null || config.Size is <= 0 or > MaxConfigBytes)
        {
            return null;
        }

        var key = (config.Digest.Value, kind == ArtifactKinds.Image);
        if (_extraAttrs.TryGetValue(key, out string? cached))
        {
            return cached;
        }

        var attributes = await ReadConfigAsync(config.Digest, kind == ArtifactKinds.Image, cancellationToken);
        if (attributes is not null)
        {
            _extraAttrs.Set(key, attributes, new MemoryCacheEntryOptions { Size = 1 });
        }

        return attributes;
    }

    public void Dispose() => _extraAttrs.Dispose();

    private async Task<JsonDocument?> ReadManifestAsync(string digest, CancellationToken cancellationToken)
    {
        try
        {
            var content = await manifests.GetAsync(Digest.Parse(digest), cancellationToken);
            return JsonDocument.Parse(content);
        }
        catch (Exception ex) when (ex is StorageException or JsonException)
        {
            LogUnreadable(logger, digest, ex.Message);
            return null;
        }
    }

    private async Task<string?> ReadConfigAsync(Digest digest, bool image, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await storage.GetContentAsync(StoragePaths.Blob(digest), cancellationToken);
        }
        catch (StorageException ex)
        {
            LogUnreadable(logger, digest.Value, ex.Message);
            return null;
        }

        if (content.Length > MaxConfigBytes || !Digest.Compute(digest.Algorithm, content).Equals(digest))
        {
            LogUnreadable(logger, digest.Value, "the stored config does not match its digest");
            return null;
        }

        try
        {
            using var config = JsonDocument.Parse(content);
            if (config.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return image ? ImageAttributes(config.RootElement) : config.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Harbor's image attributes, in Go's key order: the config's own fields, the author from labels when unset.</summary>
    private static string ImageAttributes(JsonElement config)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("architecture", StringOf(config, "architecture") ?? "");
            writer.WriteString("author", Author(config));
            writer.WritePropertyName("config");
            if (config.TryGetProperty("config", out var inner) && inner.ValueKind == JsonValueKind.Object)
            {
                inner.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }

            if (StringOf(config, "created") is { } created)
            {
                writer.WriteString("created", created);
            }
            else
            {
                writer.WriteNull("created");
            }

            writer.WriteString("os", StringOf(config, "os") ?? "");
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Author(JsonElement config)
    {
        if (StringOf(config, "author") is { Length: > 0 } author)
        {
            return author;
        }

        if (config.TryGetProperty("config", out var inner) && inner.ValueKind == JsonValueKind.Object
            && inner.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in AuthorLabels)
            {
                if (StringOf(labels, label) is { Length: > 0 } value)
                {
                    return value;
                }
            }
        }

        return "";
    }

    private static ConfigDescriptor? Config(JsonElement manifest)
    {
        if (manifest.ValueKind != JsonValueKind.Object || !manifest.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object
            || !Digest.TryParse(StringOf(config, "digest"), out var digest)
            || !config.TryGetProperty("size", out var size) || !size.TryGetInt64(out var bytes))
        {
            return null;
        }

        return new ConfigDescriptor(digest, bytes);
    }

    private static string? StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? RawObject(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object ? value.GetRawText() : null;

    private sealed record ConfigDescriptor(Digest Digest, long Size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "document {Digest} could not be read for the artifact API: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string digest, string reason);
}
