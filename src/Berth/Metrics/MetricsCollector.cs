using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Berth.Metrics;

/// <summary>Listens to this application's instruments and keeps their running totals for the Prometheus endpoint.</summary>
/// <remarks>
/// <para>Only meters made by this application's <see cref="IMeterFactory"/> are heard, so several servers in one process
/// (the tests) each count their own requests. Heard are Berth's meter and ASP.NET Core's <c>http.server.request.duration</c>.</para>
/// <para>Each series is keyed by its label values; recording is a dictionary lookup and a few interlocked adds.</para>
/// </remarks>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>ASP.NET Core's advised buckets for request durations, in seconds.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Status codes as label values, made once rather than on every request.</summary>
    private static readonly string[] StatusTexts = Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Method, string Route, string Status), Histogram> _durations = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Sum> _counters = new();

    public MetricsCollector(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope != factory)
            {
                return;
            }

            if (instrument.Meter.Name == BerthMetrics.MeterName
                || (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration"))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string method = "", route = "", status = "";
        foreach (var (key, tag) in tags)
        {
            switch (key)
            {
                case "http.request.method":
                    method = tag as string ?? "";
                    break;
                case "http.response.status_code":
                    status = tag is int code and >= 0 and < 600 ? StatusTexts[code] : Convert.ToString(tag, CultureInfo.InvariantCulture) ?? "";
                    break;
                case "http.route" when route.Length == 0:
                    route = tag as string ?? "";
                    break;
                case BerthMetrics.RouteTag:
                    route = tag as string ?? "";
                    break;
            }
        }

        _durations.GetOrAdd((method, route.Length == 0 ? "unmatched" : route, status), _ => new Histogram(DurationBuckets.Length)).Record(value);
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var labels = new StringBuilder();
        foreach (var (key, tag) in tags)
        {
            Label(labels, key, Convert.ToString(tag, CultureInfo.InvariantCulture) ?? "");
        }

        _counters.GetOrAdd((instrument.Name, labels.ToString()), _ => new Sum()).Add(value);
    }

    /// <summary>Writes every series heard so far in Prometheus' text format (version 0.0.4).</summary>
    public void Write(StringBuilder output)
    {
        var durations = _durations.ToArray().OrderBy(d => d.Key.Route, StringComparer.Ordinal).ThenBy(d => d.Key.Method, StringComparer.Ordinal)
            .ThenBy(d => d.Key.Status, StringComparer.Ordinal).ToList();
        Header(output, "berth_http_server_requests_total", "counter", "HTTP requests by method, route and status");
        foreach (var ((method, route, status), histogram) in durations)
        {
            output.Append("berth_http_server_requests_total{").Append(RequestLabels(method, route, status)).Append("} ")
                .Append(histogram.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Header(output, "berth_http_server_request_duration_seconds", "histogram", "HTTP request durations by method, route and status");
        foreach (var ((method, route, status), histogram) in durations)
        {
            var labels = RequestLabels(method, route, status);
            long cumulative = 0;
            for (var i = 0; i < DurationBuckets.Length; i++)
            {
                cumulative += histogram.Bucket(i);
                output.Append("berth_http_server_request_duration_seconds_bucket{").Append(labels).Append(",le=\"")
                    .Append(DurationBuckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            var count = histogram.Count;
            output.Append("berth_http_server_request_duration_seconds_bucket{").Append(labels).Append(",le=\"+Inf\"} ")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            output.Append("berth_http_server_request_duration_seconds_sum{").Append(labels).Append("} ")
                .Append(histogram.Total.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            output.Append("berth_http_server_request_duration_seconds_count{").Append(labels).Append("} ")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        WriteCounter(output, "berth.http.server.request.body.size", "berth_http_server_request_body_bytes_total", "Bytes received in request bodies, by route");
        WriteCounter(output, "berth.http.server.response.body.size", "berth_http_server_response_body_bytes_total", "Bytes sent in response bodies, by route");
        WriteCounter(output, "berth.jobs.completed", "berth_jobs_completed_total", "Job attempts that ended, by kind and outcome");
        WriteCounter(output, "berth.database.transient_aborts", "berth_database_transient_aborts_total",
            "Database work aborted as a deadlock's victim or a serialization failure, by operation and outcome (retried, gave_up)");
    }

    private void WriteCounter(StringBuilder output, string instrument, string name, string help)
    {
        Header(output, name, "counter", help);
        foreach (var ((_, labels), sum) in _counters.Where(c => c.Key.Name == instrument).OrderBy(c => c.Key.Labels, StringComparer.Ordinal))
        {
            output.Append(name).Append('{').Append(labels).Append("} ").Append(sum.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    public static void Header(StringBuilder output, string name, string type, string help) =>
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <summary>Appends <c>name="value"</c> with Prometheus' escapes, after a comma when labels precede it.</summary>
    public static void Label(StringBuilder labels, string name, string value)
    {
        if (labels.Length > 0)
        {
            labels.Append(',');
        }

        labels.Append(name).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => labels.Append("\\\\"),
                '"' => labels.Append("\\\""),
                '\n' => labels.Append("\\n"),
                _ => labels.Append(c),
            };
        }

        labels.Append('"');
    }

    private static string RequestLabels(string method, string route, string status)
    {
        var labels = new StringBuilder();
        Label(labels, "method", method);
        Label(labels, "route", route);
        Label(labels, "status", status);
        return labels.ToString();
    }

    private sealed class Sum
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long value) => Interlocked.Add(ref _value, value);
    }

    private sealed class Histogram(int buckets)
    {
        private readonly long[] _buckets = new long[buckets];
        private long _count;
        private long _totalTicks;

        public long Count => Interlocked.Read(ref _count);

        /// <summary>The sum of the recorded values, kept in 100 ns ticks so that it can be added atomically.</summary>
        public double Total => Interlocked.Read(ref _totalTicks) / (double)TimeSpan.TicksPerSecond;

        public long Bucket(int i) => Interlocked.Read(ref _buckets[i]);

        public void Record(double seconds)
        {
            var i = Array.BinarySearch(DurationBuckets, seconds);
            i = i >= 0 ? i : ~i;
            if (i < _buckets.Length)
            {
                Interlocked.Increment(ref _buckets[i]);
            }

            Interlocked.Add(ref _totalTicks, (long)(seconds * TimeSpan.TicksPerSecond));
            Interlocked.Increment(ref _count);
        }
    }
}
