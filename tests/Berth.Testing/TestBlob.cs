using System.Security.Cryptography;

namespace Berth.Testing;

/// <summary>Bytes with their digest, as a test pushes them.</summary>
public sealed record TestBlob(byte[] Content, string MediaType)
{
    public string Digest { get; } = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Content));

    public long Size => Content.Length;

    public static TestBlob Random(int size, string mediaType = "application/vnd.oci.image.layer.v1.tar+gzip") =>
        new(RandomNumberGenerator.GetBytes(size), mediaType);

    public string DescriptorJson() => $$"""{"mediaType":"{{MediaType}}","digest":"{{Digest}}","size":{{Size}}}""";
}
