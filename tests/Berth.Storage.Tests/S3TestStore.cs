using Amazon.Runtime;
using Berth.Storage.Drivers.S3;

namespace Berth.Storage.Tests;

/// <summary>The S3 server the S3 tests use: <c>./test.sh</c> starts s3rver and names it in <see cref="EndpointVariable"/>.</summary>
/// <remarks>
/// Without it the tests fail under CI (where <c>./test.sh</c> must have started it) and are skipped, saying why,
/// elsewhere. Each test class writes under its own key prefix of the one bucket.
/// </remarks>
public static class S3TestStore
{
    public const string EndpointVariable = "BERTH_TEST_S3_ENDPOINT";
    public const string BucketVariable = "BERTH_TEST_S3_BUCKET";
    public const string ServerVariable = "BERTH_TEST_S3_SERVER";

    /// <summary>The account s3rver has built in; it checks the key id (not the signature).</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public static string Endpoint => Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoint ? endpoint : Missing();

    public static string Bucket => Environment.GetEnvironmentVariable(BucketVariable) is { Length: > 0 } bucket ? bucket : "berth-test";

    /// <summary>Whether the server is s3rver, whose gaps (no UploadPartCopy, no atomic concurrent PUT) some tests must know.</summary>
    public static bool IsS3rver => Environment.GetEnvironmentVariable(ServerVariable) is null or "s3rver";

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>Options for the test server under a fresh key prefix, with the smallest part size, so that multipart shows.</summary>
    public static S3StorageOptions Options(string? prefix = null) => new()
    {
        Bucket = Bucket,
        Prefix = prefix ?? "t" + Guid.NewGuid().ToString("N"),
        Endpoint = Endpoint,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        PartSizeBytes = S3StorageOptions.MinPartSizeBytes,
    };

    private static string Missing()
    {
        var message = $"{EndpointVariable} is not set: ./test.sh starts an S3 server (s3rver) and sets it";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(message);
        }

        Assert.Skip(message);
        return "";
    }
}
