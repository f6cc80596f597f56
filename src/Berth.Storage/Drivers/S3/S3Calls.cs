using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Berth.Storage.Drivers.S3;

/// <summary>Runs each call to the store under a deadline and turns what fails into the storage contract's exceptions.</summary>
/// <remarks>
/// The SDK retries what it deems transient; the deadline covers those retries too, so a store that stalls is reported
/// within <see cref="S3StorageOptions.Timeout"/> however it stalls. Error messages name the store, the operation and the
/// key, and quote S3's error code and message; they never hold credentials (S3's messages do not).
/// </remarks>
internal sealed class S3Calls(string driverName, string store, TimeSpan timeout)
{
    /// <summary>What a server-side copy is granted on top of <see cref="S3StorageOptions.Timeout"/>: a second per this many bytes.</summary>
    private const long CopyBytesPerSecond = 32L * 1024 * 1024;

    public string DriverName => driverName;

    /// <summary>The store, as errors name it: its endpoint, or AWS S3 and the region.</summary>
    public string Store => store;

    public TimeSpan Timeout => timeout;

    /// <summary>The deadline of a server-side copy of <paramref name="bytes"/> bytes: copies of gigabytes take minutes.</summary>
    public TimeSpan CopyTimeout(long bytes) => timeout + TimeSpan.FromSeconds(bytes / CopyBytesPerSecond);

    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken,
        TimeSpan? deadline = null)
    {
        var limit = deadline ?? timeout;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(limit);
        try
        {
            return await call(timer.Token);
        }
        catch (Exception ex) when (ex is not StorageException && !cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex, what, timer.IsCancellationRequested ? limit : null);
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken, TimeSpan? deadline = null) =>
        RunAsync<bool>(what, async token =>
        {
            await call(token);
            return true;
        }, cancellationToken, deadline);

    /// <summary>The storage exception for a failed call; <paramref name="timedOut"/> is the deadline when it passed.</summary>
    public StorageException Translate(Exception ex, string what, TimeSpan? timedOut = null)
    {
        if (timedOut is { } limit)
        {
            return new StorageUnavailableException(driverName, $"{driverName}: {what}: {store} did not answer within {limit}", ex);
        }

        if (Unwrap<AmazonServiceException>(ex) is { } service && (service.StatusCode != 0 || service.ErrorCode is not null))
        {
            var status = (int)service.StatusCode;
            var described = $"{driverName}: {what}: {store} answered {status} {service.ErrorCode}: {service.Message}".TrimEnd(' ', ':');
            return status >= 500 || service.ErrorCode is "SlowDown" or "RequestTimeout"
                ? new StorageUnavailableException(driverName, described, ex)
                : new StorageException(driverName, described, ex);
        }

        if (Unwrap<HttpRequestException>(ex) is { } http)
        {
            return new StorageUnavailableException(driverName, $"{driverName}: {what}: cannot reach {store}: {Innermost(http).Message}", ex);
        }

        if (Unwrap<SocketException>(ex) is { } socket)
        {
            return new StorageUnavailableException(driverName, $"{driverName}: {what}: cannot reach {store}: {socket.Message}", ex);
        }

        if (Unwrap<IOException>(ex) is { } io)
        {
            return new StorageUnavailableException(driverName, $"{driverName}: {what}: the connection to {store} failed: {io.Message}", ex);
        }

        if (ex is OperationCanceledException)
        {
            // Cancelled below us without our deadline or the caller's token: the HTTP client gave up on the store.
            return new StorageUnavailableException(driverName, $"{driverName}: {what}: {store} did not answer", ex);
        }

        return ex is AmazonClientException
            ? new StorageUnavailableException(driverName, $"{driverName}: {what}: {ex.Message}", ex)
            : new StorageException(driverName, $"{driverName}: {what} failed: {ex.Message}", ex);
    }

    /// <summary>Whether S3 said the key does not exist (and not that the bucket does not).</summary>
    public static bool IsNotFound(AmazonS3Exception ex) => ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket";

    /// <summary>Whether the store answered that it does not implement the operation (S3-compatible stores lack some).</summary>
    public static bool IsNotImplemented(AmazonS3Exception ex) =>
        ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed || ex.ErrorCode is "NotImplemented";

    private static T? Unwrap<T>(Exception ex) where T : Exception
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}
