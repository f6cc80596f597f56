namespace Berth.Storage;

/// <summary>A storage failure, naming the driver it came from.</summary>
public class StorageException(string driverName, string message, Exception? inner = null) : Exception(message, inner)
{
    public string DriverName { get; } = driverName;
}

/// <summary>Nothing is stored at the path.</summary>
public sealed class StoragePathNotFoundException(string driverName, string path)
    : StorageException(driverName, $"{driverName}: nothing at '{path}'")
{
    public string Path { get; } = path;
}

/// <summary>The path breaks the driver contract's grammar; it never reaches a driver.</summary>
public sealed class InvalidStoragePathException(string driverName, string path)
    : StorageException(driverName, $"{driverName}: invalid storage path '{path}'")
{
    public string Path { get; } = path;
}
