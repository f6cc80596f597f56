namespace Berth.Hosting;

/// <summary>Which blob store Berth uses. Section <c>Storage</c>; env <c>BERTH__Storage__Driver=s3</c>; flag <c>--storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public const string Filesystem = "filesystem";
    public const string S3 = "s3";

    /// <summary><c>filesystem</c> (under the data directory, or <c>Storage:Filesystem:RootDirectory</c>) or <c>s3</c> (<c>Storage:S3:*</c>).</summary>
    public string Driver { get; set; } = Filesystem;
}
