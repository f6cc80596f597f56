using Berth.Storage.Drivers.Filesystem;

namespace Berth.Storage.Tests;

public sealed class FilesystemStorageDriverTests : StorageDriverConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("berth-fs-").FullName;

    protected override Task<IStorageDriver> CreateDriverAsync() => Task.FromResult<IStorageDriver>(new FilesystemStorageDriver(_directory));

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
            // No temporary file is ever left behind by a commit or a cancel.
            Assert.Empty(Directory.EnumerateFiles(_directory, FilesystemStorageDriver.TempPrefix + "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_crashed_writer_leaves_only_a_temporary_file_that_nobody_lists()
    {
        // What a power cut mid-write leaves behind: a temp file beside the destination, never the destination.
        var dir = Path.Join(_directory, "crash");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Join(dir, FilesystemStorageDriver.TempPrefix + "abc"), [1, 2, 3], Token);
        Assert.Empty(await Driver.ListAsync("/crash", Token).ToListAsync());
        Assert.Empty(await Driver.WalkAsync("/crash", WalkOptions.All, Token).ToListAsync());
        Directory.Delete(dir, recursive: true);
    }
}
