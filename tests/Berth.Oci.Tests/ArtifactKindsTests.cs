using System.Text;

namespace Berth.Oci.Tests;

public class ArtifactKindsTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static Manifest Image(string configMediaType, string? artifactType = null)
    {
        var type = artifactType is null ? "" : $$""","artifactType":"{{artifactType}}" """;
        var json = $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}"{{type}},"config":{"mediaType":"{{configMediaType}}","digest":"{{D1}}","size":2},"layers":[]}""";
        return ManifestParser.Parse(Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest).Manifest!;
    }

    private static Manifest Index(string mediaType, string? annotations = null)
    {
        var extra = annotations is null ? "" : ",\"annotations\":" + annotations;
        var json = $$"""{"schemaVersion":2,"mediaType":"{{mediaType}}","manifests":[]{{extra}}}""";
        return ManifestParser.Parse(Encoding.UTF8.GetBytes(json), mediaType).Manifest!;
    }

    [Theory]
    [InlineData("application/vnd.oci.image.config.v1+json", "IMAGE")]
    [InlineData("application/vnd.docker.container.image.v1+json", "IMAGE")]
    [InlineData("application/vnd.cncf.helm.config.v1+json", "CHART")]
    [InlineData("application/vnd.wasm.config.v1+json", "WASM")]
    [InlineData("application/vnd.goharbor.harbor.sbom.v1", "SBOM")]
    [InlineData("application/vnd.cncf.openpolicyagent.config.v1+json", "OPENPOLICYAGENT")]
    [InlineData("application/vnd.oci.empty.v1+json", "UNKNOWN")]
    [InlineData("application/vnd.dev.cosign.artifact.sig.v1+json", "UNKNOWN")]
    [InlineData("application/json", "UNKNOWN")]
    public void An_image_manifest_is_typed_by_its_config(string configMediaType, string expected) =>
        Assert.Equal(expected, ArtifactKinds.Of(Image(configMediaType)));

    [Fact]
    public void An_artifact_type_takes_precedence_over_the_config()
    {
        Assert.Equal("CNAI", ArtifactKinds.Of(Image("application/vnd.oci.empty.v1+json", "application/vnd.cncf.model.manifest.v1+json")));
        // No processor for the artifact type: the fallback reads the config media type, as Harbor's default processor does.
        Assert.Equal("UNKNOWN", ArtifactKinds.Of(Image("application/vnd.oci.empty.v1+json", "application/vnd.example.thing")));
        Assert.Equal("FOO", ArtifactKinds.Of(Image("application/vnd.acme.foo.config.v1+json", "application/vnd.example.thing")));
    }

    [Fact]
    public void An_index_is_an_image_unless_it_says_otherwise()
    {
        Assert.Equal("IMAGE", ArtifactKinds.Of(Index(MediaTypes.OciIndex)));
        Assert.Equal("IMAGE", ArtifactKinds.Of(Index(MediaTypes.DockerManifestList)));
        Assert.Equal("CNAB", ArtifactKinds.Of(Index(MediaTypes.OciIndex, """{"org.opencontainers.artifactType":"application/vnd.cnab.manifest.v1"}""")));
        Assert.Equal("UNKNOWN", ArtifactKinds.Of(Index(MediaTypes.OciIndex, """{"org.opencontainers.artifactType":"application/x-other"}""")));
    }
}
