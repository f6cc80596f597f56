using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Berth.Testing;

/// <summary>Bytes with their digest, as a test pushes them.</summary>
public sealed record TestBlob(byte[] Content, string MediaType)
{
    public string Digest { get; } = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Content));

    public long Size => Content.Length;

    /// <summary>For a gzipped layer: the digest of the uncompressed tar, as an image config's diff_ids name it.</summary>
    public string? DiffId { get; init; }

    public static TestBlob Random(int size, string mediaType = "application/vnd.oci.image.layer.v1.tar+gzip") =>
        new(RandomNumberGenerator.GetBytes(size), mediaType);

    /// <summary>A real layer: a gzipped tar holding one file of <paramref name="fileSize"/> random bytes.</summary>
    public static TestBlob RandomTarGzip(int fileSize)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"file-{Guid.NewGuid():N}")
            {
                DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(fileSize)),
            };
            writer.WriteEntry(entry);
        }

        var uncompressed = tar.ToArray();
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(uncompressed);
        }

        return new TestBlob(gzip.ToArray(), "application/vnd.oci.image.layer.v1.tar+gzip")
        {
            DiffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(uncompressed)),
        };
    }

    public string DescriptorJson() => $$"""{"mediaType":"{{MediaType}}","digest":"{{Digest}}","size":{{Size}}}""";
}
