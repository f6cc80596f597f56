namespace Berth.Testing;

/// <summary>The S3 server the server tests keep blobs in: <c>./test.sh</c> starts s3rver and names it in <see cref="EndpointVariable"/>.</summary>
/// <remarks>
/// Without it a test fails under CI (where <c>./test.sh</c> must have started it) and is skipped, saying why, elsewhere.
/// Each caller writes under its own key prefix of the one bucket.
/// </remarks>
public static class S3TestServer
{
    public const string EndpointVariable = "BERTH_TEST_S3_ENDPOINT";
    public const string BucketVariable = "BERTH_TEST_S3_BUCKET";

    /// <summary>The account s3rver has built in; it checks the key id (not the signature).</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public static string Endpoint => Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoint ? endpoint : throw Missing();

    public static string Bucket => Environment.GetEnvironmentVariable(BucketVariable) is { Length: > 0 } bucket ? bucket : "berth-test";

    /// <summary>A fresh key prefix, so that nothing a test finds in the bucket was written by another.</summary>
    public static string NewPrefix() => "srv" + Guid.NewGuid().ToString("N");

    /// <summary>Settings that keep a server's blobs in the S3 test server under <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The key prefix; servers given the same one share their blobs.</param>
    /// <param name="endpoint">Another address of the server (or a dead one), instead of <see cref="Endpoint"/>.</param>
    public static Dictionary<string, string?> Settings(string prefix, string? endpoint = null) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Storage:Driver"] = "s3",
        ["Storage:S3:Bucket"] = Bucket,
        ["Storage:S3:Prefix"] = prefix,
        ["Storage:S3:Endpoint"] = endpoint ?? Endpoint,
        ["Storage:S3:AccessKey"] = AccessKey,
        ["Storage:S3:SecretKey"] = SecretKey,
    };

    private static InvalidOperationException Missing() =>
        TestRequirement.Missing($"{EndpointVariable} is not set: ./test.sh starts an S3 server (s3rver) and sets it");
}
