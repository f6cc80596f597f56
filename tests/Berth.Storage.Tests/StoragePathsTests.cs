using Berth.Oci;

namespace Berth.Storage.Tests;

public class StoragePathsTests
{
    [Fact]
    public void Blob_paths_come_from_the_digest_alone()
    {
        var digest = Digest.Compute(Digest.Sha256, "x"u8);
        Assert.Equal($"/blobs/sha256/{digest.Hex[..2]}/{digest.Hex}/data", StoragePaths.Blob(digest));
        Assert.True(StoragePath.IsValid(StoragePaths.Blob(digest)));
        Assert.True(StoragePath.IsValid(StoragePaths.Upload(Guid.NewGuid())));
    }
}
