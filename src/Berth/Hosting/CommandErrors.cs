using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Berth.Hosting;

/// <summary>Turns a configuration mistake (exit code 2) or an unreachable database (exit code 1) into one line on stderr, instead of a stack trace.</summary>
internal static class CommandErrors
{
    public const int DatabaseError = 1;

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
        catch (DbException ex)
        {
            return await DatabaseFailedAsync(ex);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DbException inner)
        {
            // EF's execution strategy wraps what it took for a transient failure ("… likely due to a transient failure").
            return await DatabaseFailedAsync(inner);
        }
    }

    private static async Task<int> DatabaseFailedAsync(DbException ex)
    {
        // Npgsql says where it tried ("Failed to connect to 127.0.0.1:5432"), the socket error says why.
        var cause = ex.InnerException is { } inner && inner.Message != ex.Message ? $" ({inner.Message})" : "";
        await Console.Error.WriteLineAsync($"berth: the database failed: {ex.Message}{cause}");
        return DatabaseError;
    }
}
