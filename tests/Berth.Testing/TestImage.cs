using System.Text;
using System.Text.Json;

namespace Berth.Testing;

/// <summary>A test image: config, layers and the manifest naming them, built fluently.</summary>
/// <example><code>var image = TestImage.Create().WithLayer(1024).WithLayer(shared).Build();</code></example>
public sealed class TestImage
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    private readonly List<TestBlob> _layers = [];
    private string _mediaType = OciManifest;
    private string? _artifactType;
    private string? _subject;
    private Dictionary<string, string>? _annotations;

    public TestBlob Config { get; private set; } = null!;

    public IReadOnlyList<TestBlob> Layers => _layers;

    public IEnumerable<TestBlob> Blobs => _layers.Prepend(Config);

    public TestBlob Manifest { get; private set; } = null!;

    public static TestImage Create() => new();

    /// <summary>Adds a layer of random bytes: enough for the registry, which never opens layers.</summary>
    public TestImage WithLayer(int size) => WithLayer(TestBlob.Random(size));

    /// <summary>Adds a real gzipped tar layer, for clients that unpack images (podman).</summary>
    public TestImage WithTarLayer(int fileSize) => WithLayer(TestBlob.RandomTarGzip(fileSize));

    public TestImage WithLayer(TestBlob layer)
    {
        _layers.Add(_mediaType == DockerManifest
            ? layer with { MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip" }
            : layer);
        return this;
    }

    public TestImage AsDockerSchema2()
    {
        _mediaType = DockerManifest;
        return this;
    }

    /// <summary>Makes it an artifact referring to <paramref name="subject"/> (a signature, an SBOM).</summary>
    public TestImage Referring(TestBlob subject, string artifactType, Dictionary<string, string>? annotations = null)
    {
        _subject = $$"""{"mediaType":"{{subject.MediaType}}","digest":"{{subject.Digest}}","size":{{subject.Size}}}""";
        _artifactType = artifactType;
        _annotations = annotations;
        return this;
    }

    public TestImage Build()
    {
        var configMediaType = _mediaType == DockerManifest
            ? "application/vnd.docker.container.image.v1+json"
            : "application/vnd.oci.image.config.v1+json";
        var diffIds = string.Join(",", _layers.Select(l => $"\"{l.DiffId ?? l.Digest}\""));
        Config = new TestBlob(Encoding.UTF8.GetBytes(
            $$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[{{diffIds}}]},"config":{},"nonce":"{{Guid.NewGuid()}}"}"""),
            configMediaType);
        var json = new StringBuilder();
        json.Append($$"""{"schemaVersion":2,"mediaType":"{{_mediaType}}",""");
        if (_artifactType is not null)
        {
            json.Append($$"""
                "artifactType":"{{_artifactType}}",
                """);
        }

        json.Append($$"""
            "config":{{Config.DescriptorJson()}},"layers":[{{string.Join(",", _layers.Select(l => l.DescriptorJson()))}}]
            """);
        if (_subject is not null)
        {
            json.Append($$""","subject":{{_subject}}""");
        }

        if (_annotations is not null)
        {
            json.Append(",\"annotations\":").Append(JsonSerializer.Serialize(_annotations));
        }

        json.Append('}');
        Manifest = new TestBlob(Encoding.UTF8.GetBytes(json.ToString()), _mediaType);
        return this;
    }

    /// <summary>An index over <paramref name="children"/>.</summary>
    public static TestBlob Index(string mediaType, params TestBlob[] children)
    {
        var entries = string.Join(",", children.Select(c =>
            $$$"""{"mediaType":"{{{c.MediaType}}}","digest":"{{{c.Digest}}}","size":{{{c.Size}}},"platform":{"architecture":"amd64","os":"linux"}}"""));
        return new TestBlob(Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{mediaType}}","manifests":[{{entries}}]}"""), mediaType);
    }

    /// <summary>Writes the image as an OCI image layout that skopeo and podman read (<c>oci:DIR:tag</c>).</summary>
    public void WriteOciLayout(string directory, string tag)
    {
        var blobs = Path.Join(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        foreach (var blob in Blobs.Append(Manifest))
        {
            File.WriteAllBytes(Path.Join(blobs, blob.Digest["sha256:".Length..]), blob.Content);
        }

        File.WriteAllText(Path.Join(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllText(Path.Join(directory, "index.json"), $$$"""
            {"schemaVersion":2,"manifests":[{"mediaType":"{{{Manifest.MediaType}}}","digest":"{{{Manifest.Digest}}}","size":{{{Manifest.Size}}},"annotations":{"org.opencontainers.image.ref.name":"{{{tag}}}"}}]}
            """);
    }
}
