namespace Berth.Storage.Drivers.Filesystem;

/// <summary>Options of the filesystem driver.</summary>
public sealed class FilesystemStorageOptions
{
    public const string Section = "Storage:Filesystem";

    /// <summary>The directory everything is kept under; empty means <c>&lt;data dir&gt;/storage</c>.</summary>
    public string RootDirectory { get; set; } = "";
}
