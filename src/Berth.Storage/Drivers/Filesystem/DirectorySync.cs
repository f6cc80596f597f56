using System.Runtime.InteropServices;

namespace Berth.Storage.Drivers.Filesystem;

/// <summary>What .NET does not offer for durable writes: fsync of a directory (so that a rename into it survives a
/// power cut) and early writeback of a file range.</summary>
/// <remarks>.NET refuses to open a directory as a file, so this goes to libc. Where there is no Linux it does nothing.</remarks>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE: start writeback, do not wait

    /// <summary>Starts writing back a file range that was just written, so that the fsync at commit finds little left to do.</summary>
    /// <remarks>A hint: where it is not available (not Linux) or fails, the commit's fsync does all the work as before.</remarks>
    public static void StartWriteback(SafeHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.DangerousGetHandle(), offset, length, SyncFileRangeWrite);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
