using System.CommandLine;

namespace Berth.Hosting;

/// <summary>The flags every verb that opens the data directory shares, and how they map onto configuration keys.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "A JSON settings file (default: ./berth.json when it exists).",
        HelpName = "FILE",
    };

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Directory for the SQLite database and the filesystem blob store (Server:DataDirectory, default ./data).",
        HelpName = "DIR",
    };

    public Option<string?> Database { get; } = new("--database")
    {
        Description = "PostgreSQL for the metadata, postgres://user:password@host:port/database (Database:Url; default: SQLite in the data directory).",
        HelpName = "URL",
    };

    public Option<string?> Storage { get; } = new("--storage")
    {
        Description = "Where blobs live: " + StorageUrl.Usage
            + " (Storage:Driver and Storage:S3:*, default: the filesystem under --data-dir).",
        HelpName = "URL",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(DataDir);
        command.Options.Add(Database);
        command.Options.Add(Storage);
    }

    /// <exception cref="FormatException"><c>--storage</c> is malformed.</exception>
    public Dictionary<string, string?> Overrides(ParseResult result)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (result.GetValue(DataDir) is { } dataDir)
        {
            overrides["Server:DataDirectory"] = dataDir;
        }

        if (result.GetValue(Database) is { } database)
        {
            overrides["Database:Url"] = database;
        }

        if (result.GetValue(Storage) is { } storage)
        {
            foreach (var (key, value) in StorageUrl.Parse(storage))
            {
                overrides[key] = value;
            }
        }

        return overrides;
    }
}
