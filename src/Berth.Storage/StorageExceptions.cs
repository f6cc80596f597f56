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

/// <summary>The store failed, could not be reached or did not answer in time: the same call may succeed later.</summary>
/// <remarks>Drivers bound every call to the store, so a stalled store ends in this exception, never in a hang.</remarks>
public sealed class StorageUnavailableException(string driverName, string message, Exception? inner = null)
    : StorageException(driverName, message, inner);

/// <summary>The driver's configuration cannot work (no credentials, a malformed setting); found when the driver is made.</summary>
public sealed class StorageConfigurationException(string driverName, string message) : StorageException(driverName, message);
