using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Jobs;

/// <summary>What a handler gets: its parameters and a log that ends up on the task (and in Berth's own log).</summary>
public sealed class JobContext(long jobId, string payload, ILogger logger, TimeProvider clock)
{
    private readonly StringBuilder _log = new();

    public long JobId { get; } = jobId;

    public string Payload { get; } = payload;

    public T Parameters<T>() where T : new() =>
        string.IsNullOrWhiteSpace(Payload) ? new T() : JsonSerializer.Deserialize<T>(Payload, JobJson.Options) ?? new T();

    /// <summary>Adds a timestamped line to the task's log.</summary>
    public void Log(string message)
    {
        lock (_log)
        {
            _log.Append(clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
                .Append(" [INFO] ").AppendLine(message);
        }

        JobLog.Line(logger, JobId, message);
    }

    public string Text
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }
}
