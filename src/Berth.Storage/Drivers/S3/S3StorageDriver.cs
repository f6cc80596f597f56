using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Storage.Drivers.S3;

/// <summary>Keeps objects in an S3 bucket (AWS S3 or any S3-compatible store), under an optional key prefix.</summary>
/// <remarks>
/// <para><b>Writes.</b> A replacing write is buffered up to one part and sent as one PUT, or as a multipart upload once
/// it outgrows the part; either way S3 makes it visible whole, at commit, and memory stays bounded by two parts.</para>
/// <para><b>Appends</b> (an upload's chunks, which may arrive at different replicas) cannot extend an S3 object, and the
/// parts of an unfinished multipart upload cannot be read, while the contract wants every committed chunk readable
/// at once (an upload's size, and its bytes when the replica completing it did not see them all). So each committed
/// append is stored as its own object, a segment, named by the offset it starts at (<see cref="S3Keys"/>): committing
/// one is a single PUT or multipart completion, cancelling one leaves nothing, the object's size is the sum of its
/// segments, and any replica reads them in order. Everything lives in the bucket; nothing is on local disk.</para>
/// <para><b>Completion.</b> Moving an upload to its blob path assembles the segments into one object inside the store
/// (<see cref="S3Copier"/>): one CopyObject when there is one segment of up to 5 GiB (what a monolithic or
/// single-PATCH upload leaves), otherwise a multipart upload that copies large segments server-side and gathers
/// small ones into parts; then the sources are deleted. A move is copy and delete, as S3 has no rename, so the moved
/// object is new at its destination. Blobs are therefore always whole objects, which presigned URLs can serve.</para>
/// <para><b>Failures.</b> Every request runs under <see cref="S3StorageOptions.Timeout"/> and every body read under
/// <see cref="S3StorageOptions.StallTimeout"/>; what fails surfaces as <see cref="StorageUnavailableException"/> (the
/// store is down, failing or stalling) or <see cref="StorageException"/> (it refused: credentials, bucket).</para>
/// <para>Two appends racing on one object from two replicas both land at the same offset and the later one wins;
/// the registry's upload protocol sends an upload's chunks one after another, so this needs a misbehaving client.</para>
/// </remarks>
public sealed partial class S3StorageDriver : IStorageDriver, IDisposable
{
    public const string DriverName = "s3";

    /// <summary>How many paths <see cref="DeleteManyAsync"/> looks up at once before deleting their keys in batches.</summary>
    private const int DeleteLookupConcurrency = 8;

    private readonly AmazonS3Client _client;
    private readonly S3Requests _requests;
    private readonly S3Copier _copier;
    private readonly S3Keys _keys;
    private readonly S3StorageOptions _options;
    private readonly S3RedirectUrls _redirects;
    private readonly bool _https;

    /// <param name="options">Validated options (<see cref="S3StorageOptions.Validate"/>).</param>
    /// <param name="credentials">From <see cref="S3Credentials.Resolve"/>, or given.</param>
    /// <param name="logger">Where warnings about the store go.</param>
    public S3StorageDriver(S3StorageOptions options, AWSCredentials credentials, ILogger? logger = null)
        : this(options, credentials, logger, null)
    {
    }

    /// <param name="options">Validated options.</param>
    /// <param name="credentials">The credentials.</param>
    /// <param name="logger">Where warnings go.</param>
    /// <param name="httpClientFactory">Makes the SDK's HTTP clients: tests watch or break the traffic through it.</param>
    internal S3StorageDriver(S3StorageOptions options, AWSCredentials credentials, ILogger? logger, HttpClientFactory? httpClientFactory)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new StorageConfigurationException(DriverName, string.Join("; ", errors));
        }

        logger ??= NullLogger.Instance;
        _options = options;
        var config = new AmazonS3Config
        {
            ForcePathStyle = true,
            ConnectTimeout = options.ConnectTimeout,
            // Each call has its own deadline (S3Calls), longer for big copies than one HTTP timeout could be.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            // Plain bodies with a signed payload hash: S3-compatible servers do not all decode aws-chunked trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            IgnoreConfiguredEndpointUrls = true,
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        string store;
        if (options.Endpoint.Length > 0)
        {
            var endpoint = new Uri(options.Endpoint);
            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Authority);
            config.AuthenticationRegion = options.Region;
            _https = endpoint.Scheme == Uri.UriSchemeHttps;
            store = $"S3 at {endpoint.GetLeftPart(UriPartial.Authority)}";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            _https = true;
            store = $"AWS S3 ({options.Region})";
        }

        _client = new AmazonS3Client(credentials, config);
        _keys = new S3Keys(options.Prefix);
        _requests = new S3Requests(_client, options.Bucket, new S3Calls(DriverName, store, options.Timeout), options, logger);
        _copier = new S3Copier(_requests, logger);
        _redirects = new S3RedirectUrls(_requests, options.RedirectLifetime, _https, TimeProvider.System);
    }

    public string Name => DriverName;

    /// <summary>Validates the options, finds the credentials and makes the driver, logging where it stores and how.</summary>
    /// <exception cref="StorageConfigurationException">The options are invalid or no credentials are found.</exception>
    public static S3StorageDriver Create(S3StorageOptions options, ILogger logger)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new StorageConfigurationException(DriverName, string.Join("; ", errors));
        }

        var (credentials, source) = S3Credentials.Resolve(options);
        var driver = new S3StorageDriver(options, credentials, logger);
        LogStarted(logger, options.Bucket, options.Prefix.Length == 0 ? "(none)" : options.Prefix, driver._requests.Calls.Store, source,
            options.Redirect ? $"redirect to presigned URLs valid for {options.RedirectLifetime}" : "stream through Berth");
        return driver;
    }

    public async Task<byte[]> GetContentAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = await OpenReadAsync(path, 0, cancellationToken);
        using var content = new MemoryStream((int)Math.Min(stream.Length, Array.MaxLength));
        await stream.CopyToAsync(content, cancellationToken);
        return content.ToArray();
    }

    public Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        _requests.PutAsync(_keys.Object(path), content, cancellationToken);

    public async Task<Stream> OpenReadAsync(string path, long offset, CancellationToken cancellationToken)
    {
        if (path == "/")
        {
            throw new StoragePathNotFoundException(Name, path);
        }

        // Blobs are whole objects: one GET. Only an upload in progress (segments) takes a listing first.
        if (await _requests.GetAsync(_keys.Object(path), offset, null, cancellationToken) is { } whole)
        {
            return whole;
        }

        var segments = await _requests.ListSegmentsAsync(path, _keys.Segments(path), validate: true, cancellationToken);
        if (segments.Count == 0)
        {
            throw new StoragePathNotFoundException(Name, path);
        }

        return new S3SegmentedReadStream(segments, offset, async (segment, from, token) =>
            await _requests.GetAsync(segment.Key, from, segment.Size, token)
                ?? throw new StorageUnavailableException(Name, $"{Name}: segment {segment.Key} of {path} vanished while it was read"));
    }

    public async Task<IStorageWriter> OpenWriteAsync(string path, bool append, CancellationToken cancellationToken)
    {
        if (!append)
        {
            return new S3ObjectWriter(_requests, _keys.Object(path), 0, storeEmpty: true);
        }

        var stored = await FindAsync(path, withShadowedSegments: true, cancellationToken);
        if (stored.Whole is { } whole)
        {
            // Appending to an object written whole: it becomes the first segment (a copy inside the store), so that
            // every later append is a segment after it. Shadowed segments of an older append go first.
            if (stored.Segments.Count > 0)
            {
                await _requests.DeleteKeysAsync([.. stored.Segments.Select(s => s.Key)], cancellationToken);
            }

            await _copier.AssembleAsync([whole], _keys.Segment(path, 0), cancellationToken);
            await _requests.DeleteKeysAsync([whole.Key], cancellationToken);
            return new S3ObjectWriter(_requests, _keys.Segment(path, whole.Size), whole.Size, storeEmpty: false);
        }

        return new S3ObjectWriter(_requests, _keys.Segment(path, stored.Size), stored.Size, storeEmpty: !stored.Exists);
    }

    public async Task<StorageFileInfo?> StatAsync(string path, CancellationToken cancellationToken)
    {
        if (path != "/")
        {
            var stored = await FindAsync(path, withShadowedSegments: false, cancellationToken);
            if (stored.Exists)
            {
                return stored.Info;
            }
        }

        // A directory is there when any key is under it; S3 keeps no time for it, so its first object's is given.
        await foreach (var (objects, _) in _requests.ListPagesAsync(_keys.Children(path), null, 1, cancellationToken))
        {
            return objects is [var first, ..] ? new StorageFileInfo(path, 0, S3Requests.Utc(first.LastModified), true) : null;
        }

        return null;
    }

    public async IAsyncEnumerable<string> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = _keys.Children(path);
        var parent = path == "/" ? "/" : path + "/";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (objects, directories) in _requests.ListPagesAsync(prefix, "/", 1000, cancellationToken))
        {
            var names = directories.Select(d => d[prefix.Length..].TrimEnd('/'))
                .Concat(objects.Select(o => S3Keys.TryParseSegment(o.Key, out var objectKey, out _) ? objectKey[prefix.Length..] : o.Key[prefix.Length..]));
            foreach (var name in names)
            {
                if (name.Length > 0 && StoragePath.IsValid(parent + name) && seen.Add(name))
                {
                    yield return parent + name;
                }
            }
        }
    }

    public async IAsyncEnumerable<StorageFileInfo> WalkAsync(string path, WalkOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Whole objects are yielded as they are listed. An object's segments list together; they are summed and the
        // object yielded when the listing moves past them.
        string? group = null;
        long groupSize = 0;
        var groupTime = DateTimeOffset.MinValue;
        await foreach (var item in _requests.ListAsync(_keys.Children(path), cancellationToken))
        {
            var modified = S3Requests.Utc(item.LastModified);
            if (S3Keys.TryParseSegment(item.Key, out var objectKey, out _))
            {
                if (objectKey != group)
                {
                    if (group is not null && await SegmentedInfoAsync(group, groupSize, groupTime, options, cancellationToken) is { } info)
                    {
                        yield return info;
                    }

                    (group, groupSize, groupTime) = (objectKey, 0, DateTimeOffset.MinValue);
                }

                groupSize += item.Size ?? 0;
                groupTime = modified > groupTime ? modified : groupTime;
            }
            else if (_keys.PathOf(item.Key) is { } objectPath && IsBefore(modified, options))
            {
                yield return new StorageFileInfo(objectPath, item.Size ?? 0, modified, false);
            }
        }

        if (group is not null && await SegmentedInfoAsync(group, groupSize, groupTime, options, cancellationToken) is { } last)
        {
            yield return last;
        }
    }

    public async Task MoveAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken)
    {
        var stored = await FindAsync(sourcePath, withShadowedSegments: true, cancellationToken);
        if (!stored.Exists)
        {
            throw new StoragePathNotFoundException(Name, sourcePath);
        }

        if (sourcePath == destinationPath)
        {
            return;
        }

        await _copier.AssembleAsync(stored.Pieces, _keys.Object(destinationPath), cancellationToken);
        await _requests.DeleteKeysAsync([.. stored.Keys], cancellationToken);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var keys = await KeysAtAsync(path, cancellationToken);
        if (keys.Count == 0)
        {
            throw new StoragePathNotFoundException(Name, path);
        }

        await _requests.DeleteKeysAsync(keys, cancellationToken);
    }

    public async Task<int> DeleteManyAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var found = 0;
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = DeleteLookupConcurrency, CancellationToken = cancellationToken },
            async (path, token) =>
            {
                var pathKeys = await KeysAtAsync(path, token);
                lock (keys)
                {
                    keys.AddRange(pathKeys);
                    found += pathKeys.Count > 0 ? 1 : 0;
                }
            });
        await _requests.DeleteKeysAsync(keys, cancellationToken);
        return found;
    }

    public async ValueTask<Uri?> GetRedirectUriAsync(string path, CancellationToken cancellationToken) =>
        _options.Redirect && path != "/"
            ? await _redirects.GetAsync(_keys.Object(path))
            : null;

    public void Dispose() => _client.Dispose();

    /// <summary>What the bucket holds for <paramref name="path"/>; segments are listed only when no whole object is there,
    /// unless <paramref name="withShadowedSegments"/> (moving or appending must remove them too).</summary>
    private async Task<S3StoredObject> FindAsync(string path, bool withShadowedSegments, CancellationToken cancellationToken)
    {
        var whole = await _requests.HeadAsync(_keys.Object(path), cancellationToken);
        var segments = whole is null || withShadowedSegments
            ? await _requests.ListSegmentsAsync(path, _keys.Segments(path), validate: whole is null, cancellationToken)
            : [];
        return new S3StoredObject(path, whole, segments);
    }

    /// <summary>Every key that deleting <paramref name="path"/> removes: its object, its segments, and all under it.</summary>
    private async Task<List<string>> KeysAtAsync(string path, CancellationToken cancellationToken)
    {
        var objectKey = path == "/" ? null : _keys.Object(path);
        var keys = new List<string>();
        await foreach (var item in _requests.ListAsync(objectKey ?? _keys.Children(path), cancellationToken))
        {
            if (objectKey is null || item.Key.Length == objectKey.Length || item.Key[objectKey.Length] == '/'
                || (S3Keys.TryParseSegment(item.Key, out var owner, out _) && owner == objectKey))
            {
                keys.Add(item.Key);
            }
        }

        return keys;
    }

    /// <summary>An appended object as a walk yields it, or null when filtered out or shadowed by a whole object.</summary>
    private async Task<StorageFileInfo?> SegmentedInfoAsync(string objectKey, long size, DateTimeOffset modified, WalkOptions options,
        CancellationToken cancellationToken) =>
        _keys.PathOf(objectKey) is { } path && IsBefore(modified, options)
            && await _requests.HeadAsync(objectKey, cancellationToken) is null
            ? new StorageFileInfo(path, size, modified, false)
            : null;

    private static bool IsBefore(DateTimeOffset modified, WalkOptions options) =>
        options.ModifiedBefore is not { } before || modified < before;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Blob storage: S3 bucket {Bucket}, key prefix {Prefix}, {Store}, credentials from {CredentialSource}; blob pulls {PullMode}")]
    private static partial void LogStarted(ILogger logger, string bucket, string prefix, string store, string credentialSource, string pullMode);
}
