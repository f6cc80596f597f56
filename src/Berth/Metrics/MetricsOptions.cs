namespace Berth.Metrics;

/// <summary>The Prometheus endpoint. Section <c>Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve <c>/metrics</c> and collect what it shows.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Let anyone read <c>/metrics</c>. Off by default: it names every project, so it asks for a system administrator or
    /// a system robot with Harbor's <c>jobservice-monitor</c> list permission (Prometheus' <c>basic_auth</c>).
    /// </summary>
    public bool AllowAnonymous { get; set; }
}
