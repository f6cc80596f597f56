using System.Text.Json;

namespace Berth.Oci;

/// <summary>The outcome of <see cref="ManifestParser.Parse"/>: a manifest or an error, never both.</summary>
public readonly record struct ManifestParseResult(Manifest? Manifest, OciError? Error);

/// <summary>Parses and checks an image manifest or index as pushed, before anything about it is stored.</summary>
/// <remarks>
/// The document's shape decides what it is, and the declared media type must agree with it: an index sent as an
/// image manifest (or the reverse) is refused, which closes the type confusion of CVE-2021-41190. Schema 1 is
/// refused as <see cref="ErrorCode.Unsupported"/>. The caller caps the size before calling.
/// </remarks>
public static class ManifestParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <param name="content">The manifest bytes exactly as pushed.</param>
    /// <param name="contentType">The request's Content-Type, possibly empty.</param>
    public static ManifestParseResult Parse(ReadOnlySpan<byte> content, string? contentType)
    {
        var declared = MediaTypes.Normalize(contentType);
        if (MediaTypes.IsSchema1(declared))
        {
            return Schema1();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content.ToArray(), DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Invalid($"manifest is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            try
            {
                return ParseDocument(document.RootElement, declared);
            }
            catch (ManifestFormatException ex)
            {
                return Invalid(ex.Message);
            }
        }
    }

    private static ManifestParseResult ParseDocument(JsonElement root, string declared)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("manifest must be a JSON object");
        }

        if (!root.TryGetProperty("schemaVersion", out var schemaVersion) || schemaVersion.ValueKind != JsonValueKind.Number
            || !schemaVersion.TryGetInt32(out var version))
        {
            return Invalid("schemaVersion must be the number 2");
        }

        if (version == 1)
        {
            return Schema1();
        }

        if (version != 2)
        {
            return Invalid($"schemaVersion {version} is not supported; it must be 2");
        }

        var bodyType = OptionalString(root, "mediaType");
        var generic = declared is "" or "application/json" or "application/octet-stream";
        if (!generic && bodyType is not null && !string.Equals(bodyType, declared, StringComparison.Ordinal))
        {
            return Invalid($"mediaType '{bodyType}' in the manifest does not match Content-Type '{declared}'");
        }

        var isIndexShape = root.TryGetProperty("manifests", out _);
        var isImageShape = root.TryGetProperty("config", out _) || root.TryGetProperty("layers", out _);
        if (isIndexShape && isImageShape)
        {
            return Invalid("a manifest cannot have both 'manifests' and 'config' or 'layers'");
        }

        var mediaType = generic ? bodyType ?? (isIndexShape ? MediaTypes.OciIndex : MediaTypes.OciManifest) : declared;
        if (MediaTypes.IsSchema1(mediaType))
        {
            return Schema1();
        }

        if (!MediaTypes.IsManifest(mediaType))
        {
            return Invalid($"media type '{mediaType}' is not an image manifest or index");
        }

        if (MediaTypes.IsIndex(mediaType) != isIndexShape)
        {
            return Invalid(isIndexShape
                ? $"the document is an index but is declared as '{mediaType}'"
                : $"the document is an image manifest but is declared as '{mediaType}'");
        }

        var subject = root.TryGetProperty("subject", out var subjectElement) ? ReadDescriptor(subjectElement, "subject") : null;
        var annotations = OptionalObjectRaw(root, "annotations");
        var artifactType = OptionalString(root, "artifactType");

        if (isIndexShape)
        {
            return new(new Manifest
            {
                MediaType = mediaType,
                Children = ReadDescriptors(root, "manifests", required: true),
                Subject = subject,
                ArtifactType = artifactType,
                AnnotationsJson = annotations,
            }, null);
        }

        if (!root.TryGetProperty("config", out var configElement))
        {
            return Invalid("an image manifest must have a config descriptor");
        }

        var config = ReadDescriptor(configElement, "config");
        return new(new Manifest
        {
            MediaType = mediaType,
            Config = config,
            Layers = ReadDescriptors(root, "layers", required: true),
            Subject = subject,
            ArtifactType = artifactType ?? config.MediaType,
            AnnotationsJson = annotations,
        }, null);
    }

    private static List<Descriptor> ReadDescriptors(JsonElement root, string property, bool required)
    {
        if (!root.TryGetProperty(property, out var array))
        {
            return required ? throw new ManifestFormatException($"'{property}' is required") : [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new ManifestFormatException($"'{property}' must be an array");
        }

        var list = new List<Descriptor>(array.GetArrayLength());
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            list.Add(ReadDescriptor(item, $"{property}[{index++}]"));
        }

        return list;
    }

    private static Descriptor ReadDescriptor(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestFormatException($"{where} must be a descriptor object");
        }

        var mediaType = OptionalString(element, "mediaType");
        if (string.IsNullOrEmpty(mediaType) || mediaType.Length > 255 || !mediaType.Contains('/', StringComparison.Ordinal))
        {
            throw new ManifestFormatException($"{where}.mediaType must be a media type");
        }

        var digestText = OptionalString(element, "digest");
        if (!Digest.TryParse(digestText, out var digest))
        {
            throw new ManifestFormatException($"{where}.digest '{digestText}' is not a sha256 or sha512 digest");
        }

        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number
            || !sizeElement.TryGetInt64(out var size) || size < 0)
        {
            throw new ManifestFormatException($"{where}.size must be a non-negative integer");
        }

        return new Descriptor(mediaType, digest, size, OptionalString(element, "artifactType"))
        {
            AnnotationsJson = OptionalObjectRaw(element, "annotations"),
            PlatformJson = OptionalObjectRaw(element, "platform"),
        };
    }

    private static string? OptionalString(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ManifestFormatException($"'{property}' must be a string");
    }

    private static string? OptionalObjectRaw(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object
            ? value.GetRawText()
            : throw new ManifestFormatException($"'{property}' must be an object");
    }

    private static ManifestParseResult Invalid(string message) => new(null, OciError.Of(ErrorCode.ManifestInvalid, message));

    private static ManifestParseResult Schema1() => new(null, OciError.Of(ErrorCode.Unsupported,
        "Docker image manifest schema 1 is not supported; push the image as Docker schema 2 or OCI"));

    private sealed class ManifestFormatException(string message) : Exception(message);
}
