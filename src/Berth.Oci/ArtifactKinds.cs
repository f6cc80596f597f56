using System.Text.Json;
using System.Text.RegularExpressions;

namespace Berth.Oci;

/// <summary>Harbor's artifact type (<c>IMAGE</c>, <c>CHART</c>, <c>CNAB</c>, …), which its API and portal show and filter on.</summary>
/// <remarks>
/// <para>
/// Harbor picks a processor by the artifact's "resolved" type: the manifest's <c>artifactType</c>, else the config's media
/// type; for an index its <c>artifactType</c>, else the <c>org.opencontainers.artifactType</c> annotation (how CNAB marks
/// its bundles), else the index's own media type. A type no processor claims falls back to the config media type's middle
/// part when it reads <c>application/vnd.&lt;vendor&gt;.&lt;kind&gt;.config.&lt;version&gt;+json</c> (so an OPA bundle is
/// <c>OPENPOLICYAGENT</c>), and to <c>UNKNOWN</c> otherwise.
/// </para>
/// <para>Decided once, at push, from what the manifest says; the same manifest always gets the same type.</para>
/// </remarks>
public static partial class ArtifactKinds
{
    public const string Image = "IMAGE";
    public const string Chart = "CHART";
    public const string Cnab = "CNAB";
    public const string Wasm = "WASM";
    public const string Sbom = "SBOM";
    public const string Cnai = "CNAI";
    public const string Unknown = "UNKNOWN";

    /// <summary>The annotation CNAB puts on its index to say what the bundle is.</summary>
    public const string ArtifactTypeAnnotation = "org.opencontainers.artifactType";

    private static readonly Dictionary<string, string> Processors = new(StringComparer.Ordinal)
    {
        ["application/vnd.oci.image.config.v1+json"] = Image,
        ["application/vnd.docker.container.image.v1+json"] = Image,
        [MediaTypes.OciIndex] = Image,
        [MediaTypes.DockerManifestList] = Image,
        ["application/vnd.cncf.helm.config.v1+json"] = Chart,
        ["application/vnd.cnab.manifest.v1"] = Cnab,
        ["application/vnd.wasm.config.v1+json"] = Wasm,
        ["application/vnd.goharbor.harbor.sbom.v1"] = Sbom,
        ["application/vnd.cncf.model.manifest.v1+json"] = Cnai,
    };

    public static string Of(Manifest manifest)
    {
        var mediaType = manifest.IsIndex
            ? IndexArtifactTypeAnnotation(manifest.AnnotationsJson) ?? manifest.MediaType
            : manifest.Config?.MediaType ?? "";
        var resolved = string.IsNullOrEmpty(manifest.ArtifactType) ? mediaType : manifest.ArtifactType;
        if (Processors.TryGetValue(resolved, out var kind))
        {
            return kind;
        }

        var match = VendorConfig().Match(mediaType);
        return match.Success ? match.Groups[1].Value.ToUpperInvariant() : Unknown;
    }

    private static string? IndexArtifactTypeAnnotation(string? annotationsJson)
    {
        if (annotationsJson is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(annotationsJson);
        return document.RootElement.TryGetProperty(ArtifactTypeAnnotation, out var value)
            && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } type
            ? type
            : null;
    }

    [GeneratedRegex(@"^application/vnd\.[^.]*\.(.*)\.config\.[^.]*\+json$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex VendorConfig();
}
