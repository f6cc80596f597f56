using System.Text.RegularExpressions;

namespace Berth.Storage.Drivers.S3;

/// <summary>Options of the S3 driver. Section <c>Storage:S3</c>; env <c>BERTH__Storage__S3__Bucket</c>.</summary>
/// <remarks>
/// Credentials come from <see cref="AccessKey"/> and <see cref="SecretKey"/>, else from the environment
/// (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>), else from a profile of the AWS
/// shared credentials file. Their values never appear in a log line or an error message.
/// </remarks>
public sealed partial class S3StorageOptions
{
    public const string Section = "Storage:S3";

    /// <summary>The smallest part S3 takes in a multipart upload (all but the last part).</summary>
    public const int MinPartSizeBytes = 5 * 1024 * 1024;

    /// <summary>The largest part buffer allowed: each upload in progress holds up to two of them.</summary>
    public const int MaxPartSizeBytes = 512 * 1024 * 1024;

    public string Bucket { get; set; } = "";

    /// <summary>Keys start with this, then '/': several registries (or tests) can share one bucket. Empty: the bucket's root.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>An S3-compatible endpoint (MinIO, Ceph RGW, Swift's S3 API), <c>http(s)://host:port</c>; empty means AWS S3 in <see cref="Region"/>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The region requests are signed for (and, without <see cref="Endpoint"/>, the AWS region used).</summary>
    public string Region { get; set; } = "us-east-1";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>The profile of the shared credentials file; empty means <c>AWS_PROFILE</c>, else <c>default</c>.</summary>
    public string Profile { get; set; } = "";

    /// <summary>The shared credentials file; empty means <c>AWS_SHARED_CREDENTIALS_FILE</c>, else <c>~/.aws/credentials</c>.</summary>
    public string CredentialsFile { get; set; } = "";

    /// <summary>Blob GETs answer 307 to a presigned URL (true) or stream the bytes through Berth (false).</summary>
    public bool Redirect { get; set; } = true;

    /// <summary>How long a presigned URL stays valid: only long enough for the client to follow the redirect. A URL is
    /// handed out again while at least half of this is left.</summary>
    public TimeSpan RedirectLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Writes are buffered in parts of this size and sent as multipart uploads when they outgrow one.</summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long opening a connection to the store may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one call to the store may take, retries included; a server-side copy gets more for its size.</summary>
    /// <remarks>Sending one part is one call: on a slow link, raise this with <see cref="PartSizeBytes"/>.</remarks>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a read of an object's bytes may wait for the next of them before it fails.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What is wrong with these options, one sentence each; empty when nothing is. Never quotes a secret.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(Bucket))
        {
            errors.Add("Storage:S3:Bucket is required (or --storage s3://BUCKET/PREFIX)");
        }
        else if (!BucketName().IsMatch(Bucket) || Bucket.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"Storage:S3:Bucket '{Bucket}' is not an S3 bucket name (3 to 63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit)");
        }

        if (Prefix.Length > 0 && !StoragePath.IsValid("/" + Prefix))
        {
            errors.Add($"Storage:S3:Prefix '{Prefix}' must be '/'-separated parts made of A-Z, a-z, 0-9, '.', '_' and '-', without a leading or trailing '/'");
        }

        if (Endpoint.Length > 0 && !IsValidEndpoint(Endpoint))
        {
            errors.Add("Storage:S3:Endpoint must be an absolute http:// or https:// URL without credentials, query or fragment (for example http://127.0.0.1:9000)");
        }

        if (string.IsNullOrWhiteSpace(Region) || !RegionName().IsMatch(Region))
        {
            errors.Add($"Storage:S3:Region '{Region}' is not a region name (for example us-east-1)");
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            errors.Add("Storage:S3:AccessKey and Storage:S3:SecretKey go together: set both or neither");
        }

        if (PartSizeBytes is < MinPartSizeBytes or > MaxPartSizeBytes)
        {
            errors.Add($"Storage:S3:PartSizeBytes must be between {MinPartSizeBytes} (S3's smallest part) and {MaxPartSizeBytes}");
        }

        if (RedirectLifetime < TimeSpan.FromSeconds(1) || RedirectLifetime > TimeSpan.FromDays(7))
        {
            errors.Add("Storage:S3:RedirectLifetime must be between 00:00:01 and 7.00:00:00 (the longest a presigned URL lives)");
        }

        foreach (var (name, value) in new[] { ("ConnectTimeout", ConnectTimeout), ("Timeout", Timeout), ("StallTimeout", StallTimeout) })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
            {
                errors.Add($"Storage:S3:{name} must be more than zero and at most 01:00:00");
            }
        }

        return errors;
    }

    private static bool IsValidEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.AbsolutePath == "/";

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex RegionName();
}
