using System.ComponentModel.DataAnnotations;

namespace Berth.Hosting;

/// <summary>Where Berth listens and keeps its data. Section <c>Server</c>; env <c>BERTH__Server__Listen</c>.</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary><c>HOST:PORT</c> to listen on; <c>[::1]:5000</c> for IPv6; port 0 picks a free one.</summary>
    [Required]
    public string Listen { get; set; } = "127.0.0.1:5000";

    /// <summary>The directory holding the SQLite database and the filesystem blob store.</summary>
    [Required]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The URL clients reach Berth at, when a proxy or load balancer stands in front.</summary>
    public Uri? ExternalUrl { get; set; }
}
