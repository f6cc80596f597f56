using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Berth.Testing;

/// <summary>Counts the SQL commands EF sends to one data directory's database, and keeps what the failed ones were answered, from EF's diagnostic events.</summary>
/// <remarks>
/// Create it before the server starts: EF stops asking whether anyone listens for a while after it found nobody, so a
/// counter subscribed later misses commands. Other servers in the same test process use other databases and are not counted.
/// </remarks>
public sealed class SqlCommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly IDisposable _subscription;
    private readonly List<IDisposable> _listeners = [];
    private readonly List<string> _commands = [];
    private readonly List<string> _failures = [];

    public SqlCommandCounter() => _subscription = DiagnosticListener.AllListeners.Subscribe(this);

    private string? _dataDirectory;
    private string? _postgresDatabase;

    /// <summary>The data directory whose database is watched (its SQLite file, or its PostgreSQL database); commands to others are ignored.</summary>
    public string? DataDirectory
    {
        get => _dataDirectory;
        set
        {
            _dataDirectory = value;
            _postgresDatabase = value is not null && TestDatabase.UrlOf(value) is { } url ? new Uri(url).AbsolutePath.TrimStart('/') : null;
        }
    }

    /// <summary>The text of every command sent so far.</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_commands)
            {
                return _commands.ToList();
            }
        }
    }

    public void Reset()
    {
        lock (_commands)
        {
            _commands.Clear();
        }
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (_listeners)
            {
                _listeners.Add(value.Subscribe(this));
            }
        }
    }

    /// <summary>What the database answered to the commands that failed, in order: "40P01: deadlock detected" and the like.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return _failures.ToList();
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value is not CommandEventData data || !IsWatched(data))
        {
            return;
        }

        if (value.Key == RelationalEventId.CommandExecuting.Name)
        {
            lock (_commands)
            {
                _commands.Add(data.Command.CommandText);
            }
        }
        else if (value.Key == RelationalEventId.CommandError.Name && data is CommandErrorEventData error)
        {
            lock (_failures)
            {
                _failures.Add(error.Exception.Message);
            }
        }
    }

    private bool IsWatched(CommandEventData data) =>
        DataDirectory is { } directory && data.Command.Connection is { } connection
        && (_postgresDatabase is { } database ? connection.Database == database : connection.DataSource?.StartsWith(directory, StringComparison.Ordinal) == true);

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _subscription.Dispose();
        lock (_listeners)
        {
            _listeners.ForEach(l => l.Dispose());
        }
    }
}
