using Microsoft.Extensions.Options;

namespace Berth.Hosting;

/// <summary>Turns a configuration mistake into one line on stderr and exit code 2, instead of a stack trace.</summary>
internal static class CommandErrors
{
    public const int ConfigurationError = 2;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"berth: invalid configuration: {string.Join("; ", ex.Failures)}");
            return ConfigurationError;
        }
        catch (Settings.ReadOnlyModeException ex)
        {
            await Console.Error.WriteLineAsync($"berth: {ex.Message} Turn read-only mode off (read_only in /api/v2.0/configurations) first.");
            return ConfigurationError;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync($"berth: {ex.Message}");
            return ConfigurationError;
        }
    }
}
