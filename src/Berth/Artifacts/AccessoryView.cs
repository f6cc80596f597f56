namespace Berth.Artifacts;

/// <summary>Harbor's <c>Accessory</c>: a signature, SBOM or other referrer, shown under its subject.</summary>
/// <remarks>Harbor numbers accessories in their own table; here an accessory is its artifact, so <see cref="Id"/> is the artifact's id.</remarks>
public sealed record AccessoryView(
    long Id,
    long SubjectArtifactId,
    string SubjectDigest,
    string SubjectRepository,
    long Size,
    string Digest,
    string Type,
    DateTime CreatedAt)
{
    public const string CosignSignature = "signature.cosign";
    public const string NotationSignature = "signature.notation";
    public const string HarborSbom = "sbom.harbor";
    public const string Subject = "subject.accessory";

    /// <summary>Harbor's accessory type of a referrer, by its artifact type (the config media type when it declares none).</summary>
    public static string TypeOf(string? artifactType) => artifactType switch
    {
        "application/vnd.cncf.notary.signature" => NotationSignature,
        "application/vnd.dev.cosign.artifact.sig.v1+json" or "application/vnd.dev.sigstore.bundle.v0.3+json" => CosignSignature,
        "application/vnd.goharbor.harbor.sbom.v1" => HarborSbom,
        _ => Subject,
    };
}
