using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Berth.Storage.Drivers.Filesystem;

/// <summary>
/// Keeps a file that streams in from filling the page cache: each <see cref="Step"/> written is sent to the disk at
/// once, and once on disk, everything but the file's last <see cref="KeepCached"/> bytes leaves the page cache.
/// </summary>
/// <remarks>
/// <para>An upload of many GiB would otherwise push every hot layer out of the page cache, and it makes the kernel
/// take a fresh page for every 4 KiB it writes. On a VM whose free memory goes back to the host (virtio-balloon free
/// page reporting), each fresh page costs a fault in the hypervisor: a 1 GiB write took three to four times longer
/// than one into pages just let go. Pages let go here are taken again by the next stretch of the same upload.</para>
/// <para>The cost: a big blob's first pull after its push reads all but its tail from the disk. Smaller objects
/// (up to <see cref="KeepCached"/>) never leave the cache. Linux only; elsewhere nothing is done and the commit's
/// fsync does all the disk work.</para>
/// </remarks>
internal sealed partial class WriteBehind
{
    /// <summary>Writeback is started each time this much was written, spreading the disk work over the upload.</summary>
    public const long Step = 32 * 1024 * 1024;

    /// <summary>How much of the file's end stays in the page cache, so small objects stay whole.</summary>
    public const long KeepCached = 64 * 1024 * 1024;

    private readonly SafeFileHandle _file;
    private long _writebackFrom;
    private long _releasedTo;
    private bool _unsupported;

    /// <param name="file">The file being written.</param>
    /// <param name="start">Its length when opened: what is below is already on disk (a commit fsynced it).</param>
    public WriteBehind(SafeFileHandle file, long start)
    {
        _file = file;
        _writebackFrom = start;
    }

    /// <summary>Call after each write with the file's length.</summary>
    /// <exception cref="IOException">The disk failed to write an earlier stretch.</exception>
    public void Wrote(long length)
    {
        if (!OperatingSystem.IsLinux() || _unsupported || length - _writebackFrom < Step)
        {
            return;
        }

        Call(fd => SyncFileRange(fd, _writebackFrom, length - _writebackFrom, SyncFileRangeWrite));
        _writebackFrom = length;

        // The stretch to let go had its writeback started at least a step ago; wait for what is left of it, since only
        // clean pages can leave the cache. The wait reports a write error that a later fsync on this file would no
        // longer see (the kernel reports it once per open file), so it fails the write here.
        var releaseTo = length - KeepCached;
        if (releaseTo - _releasedTo >= Step)
        {
            if (Call(fd => SyncFileRange(fd, _releasedTo, releaseTo - _releasedTo, SyncFileRangeWaitBefore | SyncFileRangeWrite | SyncFileRangeWaitAfter)) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is EIO or ENOSPC or EDQUOT)
                {
                    throw new IOException($"writing to disk failed (errno {errno})");
                }

                // Refused as such (a sandbox without the call, a file that is no regular file): the commit's fsync
                // does the work, as it does off Linux.
                _unsupported = true;
                return;
            }

            Release(releaseTo);
        }
    }

    /// <summary>Call once the file is fsynced: all of it is clean now, so all but its end can leave the cache.</summary>
    public void Committed(long length)
    {
        if (OperatingSystem.IsLinux() && !_unsupported && length - KeepCached > _releasedTo)
        {
            Release(length - KeepCached);
        }
    }

    private void Release(long to)
    {
        // A hint: pages that cannot leave (mapped by a reader) stay, and nothing depends on it having worked.
        _ = Call(fd => PosixFadvise(fd, _releasedTo, to - _releasedTo, PosixFadviseDontNeed));
        _releasedTo = to;
    }

    private int Call(Func<int, int> call)
    {
        var added = false;
        try
        {
            _file.DangerousAddRef(ref added);
            return call((int)_file.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                _file.DangerousRelease();
            }
        }
    }

    private const uint SyncFileRangeWaitBefore = 1;
    private const uint SyncFileRangeWrite = 2;
    private const uint SyncFileRangeWaitAfter = 4;
    private const int PosixFadviseDontNeed = 4;
    private const int EIO = 5;
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    /// <remarks>Returns the error number itself rather than setting errno.</remarks>
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
