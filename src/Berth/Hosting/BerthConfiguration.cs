namespace Berth.Hosting;

/// <summary>Builds Berth's configuration: defaults, then <c>berth.json</c>, then <c>BERTH__</c> variables, then flags.</summary>
public static class BerthConfiguration
{
    public const string EnvironmentPrefix = "BERTH__";
    public const string DefaultFile = "berth.json";

    /// <param name="configFile">A JSON file to read; null reads <c>berth.json</c> in the working directory if it is there.</param>
    /// <param name="overrides">Settings from command-line flags, highest precedence (<c>Server:Listen</c> and so on).</param>
    public static IConfigurationRoot Build(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.GetFullPath(DefaultFile), optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }
}
