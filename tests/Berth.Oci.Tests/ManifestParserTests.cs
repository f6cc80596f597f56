using System.Text;

namespace Berth.Oci.Tests;

public class ManifestParserTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Config = $$"""{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{D1}}","size":10}""";
    private const string Layer = $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{D2}}","size":20}""";
    private const string Image = $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{Config}},"layers":[{{Layer}}]}""";
    private const string Index = $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{D1}}","size":5}]}""";

    private static ManifestParseResult Parse(string json, string? contentType) => ManifestParser.Parse(Encoding.UTF8.GetBytes(json), contentType);

    [Fact]
    public void Parses_an_image_manifest()
    {
        var result = Parse(Image, MediaTypes.OciManifest);
        Assert.Null(result.Error);
        var manifest = result.Manifest!;
        Assert.False(manifest.IsIndex);
        Assert.Equal(D1, manifest.Config!.Digest.Value);
        Assert.Equal(D2, Assert.Single(manifest.Layers).Digest.Value);
        Assert.Equal(2, manifest.Blobs.Count());
        Assert.Equal("application/vnd.oci.image.config.v1+json", manifest.ArtifactType);
    }

    [Fact]
    public void Parses_an_index()
    {
        var manifest = Parse(Index, MediaTypes.OciIndex).Manifest!;
        Assert.True(manifest.IsIndex);
        Assert.Equal(D1, Assert.Single(manifest.Children).Digest.Value);
        Assert.Empty(manifest.Blobs);
    }

    [Fact]
    public void Takes_the_media_type_from_the_body_when_the_header_is_generic() =>
        Assert.Equal(MediaTypes.OciIndex, Parse(Index, "application/json").Manifest!.MediaType);

    [Fact]
    public void Reads_subject_and_artifact_type()
    {
        var json = $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x.sig","config":{{{Config}}},"layers":[],"subject":{{{Layer}}},"annotations":{"a":"b"}}""";
        var manifest = Parse(json, MediaTypes.OciManifest).Manifest!;
        Assert.Equal(D2, manifest.Subject!.Digest.Value);
        Assert.Equal("application/x.sig", manifest.ArtifactType);
        Assert.Equal("""{"a":"b"}""", manifest.AnnotationsJson);
    }

    [Fact]
    public void Refuses_an_index_sent_as_an_image_manifest() =>
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(Index, MediaTypes.OciManifest).Error!.Code);

    [Fact]
    public void Refuses_an_image_manifest_sent_as_an_index() =>
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(Image, MediaTypes.OciIndex).Error!.Code);

    [Fact]
    public void Refuses_a_body_media_type_that_contradicts_the_header() =>
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(Image, MediaTypes.DockerManifest).Error!.Code);

    [Fact]
    public void Refuses_a_document_with_both_shapes()
    {
        var json = $$"""{"schemaVersion":2,"config":{{Config}},"layers":[],"manifests":[]}""";
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(json, "").Error!.Code);
    }

    [Theory]
    [InlineData(MediaTypes.DockerSchema1)]
    [InlineData(MediaTypes.DockerSchema1Signed)]
    public void Refuses_schema_1_by_header(string contentType)
    {
        var error = Parse("""{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}""", contentType).Error!;
        Assert.Equal(ErrorCode.Unsupported, error.Code);
        Assert.Contains("schema 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_schema_1_by_body() =>
        Assert.Equal(ErrorCode.Unsupported, Parse("""{"schemaVersion":1,"name":"x"}""", "application/json").Error!.Code);

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"schemaVersion":"2"}""")]
    [InlineData("""{"schemaVersion":3,"config":{},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:xyz","size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"md5:d41d8cd98f00b204e9800998ecf8427e","size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":-1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1},"layers":{}}""")]
    [InlineData("""{"schemaVersion":2,"config":{"mediaType":"nomediatype","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1},"layers":[]}""")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.unknown+json","config":{},"layers":[]}""")]
    public void Refuses_malformed_documents(string json) =>
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(json, "").Error!.Code);

    [Fact]
    public void Refuses_absurd_nesting()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        Assert.Equal(ErrorCode.ManifestInvalid, Parse(deep, MediaTypes.OciManifest).Error!.Code);
    }

    [Theory]
    [InlineData("application/vnd.oci.image.manifest.v1+json; charset=utf-8", MediaTypes.OciManifest)]
    [InlineData(" Application/JSON ", "application/json")]
    [InlineData(null, "")]
    public void Normalizes_content_types(string? contentType, string expected) =>
        Assert.Equal(expected, MediaTypes.Normalize(contentType));
}
