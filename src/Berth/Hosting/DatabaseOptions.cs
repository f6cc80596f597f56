namespace Berth.Hosting;

/// <summary>Where the metadata lives. Section <c>Database</c>.</summary>
public static class DatabaseOptions
{
    /// <summary><c>postgres://user:password@host:port/database</c>; empty for SQLite in the data directory.</summary>
    public const string UrlKey = "Database:Url";
}
