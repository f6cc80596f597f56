using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
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

    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_big_upload_in_several_appends_keeps_only_its_last_64_MiB_in_the_page_cache()
    {
        await SkipUnlessFilesLetGoOfThePageCacheAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = RandomNumberGenerator.GetBytes(MiB);
        var length = 0L;
        foreach (var appendMiB in new[] { 70, 10, 100 })
        {
            await using var writer = await Driver.OpenWriteAsync("/cache/upload", append: true, Token);
            length += await WriteAsync(writer, appendMiB, chunk, hash);
            await writer.CommitAsync(Token);

            // After each commit: at most the last 64 MiB of what the file holds so far stays cached.
            Assert.InRange(await ResidentBytesAsync("cache/upload"), 0, Math.Min(length, 64L * MiB));
        }

        Assert.True(await ResidentBytesAsync("cache/upload") >= 48L * MiB, "the file's end stays cached for the pull that follows");
        await AssertContentAsync("/cache/upload", length, hash.GetHashAndReset());
    }

    [Fact]
    public async Task A_big_object_written_whole_keeps_only_its_last_64_MiB_in_the_page_cache_and_a_small_one_all()
    {
        await SkipUnlessFilesLetGoOfThePageCacheAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = RandomNumberGenerator.GetBytes(MiB);
        await using (var writer = await Driver.OpenWriteAsync("/cache/whole", append: false, Token))
        {
            await WriteAsync(writer, 160, chunk, hash);

            // While it streams, what was written more than a few steps back has left already.
            var temporary = Path.GetRelativePath(_directory, Directory.EnumerateFiles(Path.Join(_directory, "cache")).Single());
            Assert.InRange(await ResidentBytesAsync(temporary), 0, 128L * MiB);
            await writer.CommitAsync(Token);
        }

        Assert.InRange(await ResidentBytesAsync("cache/whole"), 0, 64L * MiB);
        await AssertContentAsync("/cache/whole", 160L * MiB, hash.GetHashAndReset());

        await using (var writer = await Driver.OpenWriteAsync("/cache/small", append: false, Token))
        {
            await WriteAsync(writer, 40, chunk, hash);
            await writer.CommitAsync(Token);
        }

        Assert.Equal(40L * MiB, await ResidentBytesAsync("cache/small"));
    }

    /// <summary>Writes <paramref name="mebibytes"/> distinct MiB (the chunk, its first bytes numbering it).</summary>
    private static async Task<long> WriteAsync(IStorageWriter writer, int mebibytes, byte[] chunk, IncrementalHash hash)
    {
        for (var i = 0; i < mebibytes; i++)
        {
            BitConverter.TryWriteBytes(chunk, writer.Size);
            hash.AppendData(chunk);
            await writer.WriteAsync(chunk, Token);
        }

        return (long)mebibytes * MiB;
    }

    private async Task AssertContentAsync(string path, long length, byte[] sha256)
    {
        Assert.Equal(length, (await Driver.StatAsync(path, Token))!.Size);
        await using var stream = await Driver.OpenReadAsync(path, 0, Token);
        Assert.Equal(sha256, await SHA256.HashDataAsync(stream, Token));
    }

    /// <summary>
    /// Skips where nothing can leave the page cache: off Linux, on tmpfs, or on a filesystem that keeps a clean file's
    /// pages after <c>POSIX_FADV_DONTNEED</c> (probed with coreutils' <c>dd iflag=nocache</c>, which asks for just that).
    /// </summary>
    private async Task SkipUnlessFilesLetGoOfThePageCacheAsync()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the page cache is only managed on Linux");
        var format = new DriveInfo(_directory).DriveFormat;
        Assert.SkipWhen(format is "tmpfs" or "ramfs", $"{_directory} is on {format}, which has no disk to let pages go to");

        var probe = Path.Join(_directory, "probe");
        await using (var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write))
        {
            await file.WriteAsync(RandomNumberGenerator.GetBytes(MiB), Token);
            file.Flush(flushToDisk: true);
        }

        var (exitCode, errors) = await RunAsync("dd", "if=" + probe, "iflag=nocache", "count=0", "status=none");
        Assert.True(exitCode == 0, $"dd failed: {errors}");
        var kept = await ResidentBytesAsync("probe");
        File.Delete(probe);
        Assert.SkipWhen(kept > 0, $"{_directory} ({format}) keeps a clean file's pages after POSIX_FADV_DONTNEED");
    }

    /// <summary>How many of the file's bytes are in the page cache, as util-linux's <c>fincore</c> counts them.</summary>
    private async Task<long> ResidentBytesAsync(string file)
    {
        var (exitCode, output) = await RunAsync("fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", Path.Join(_directory, file));
        Assert.True(exitCode == 0, $"fincore failed: {output}");
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a tool; returns its exit code and its standard output, or its errors when it failed.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(Token);
        var errors = await process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return (process.ExitCode, process.ExitCode == 0 ? output : errors);
    }
}
