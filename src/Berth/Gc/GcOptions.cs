using System.ComponentModel.DataAnnotations;

namespace Berth.Gc;

/// <summary>Garbage collection. Section <c>Gc</c>; <c>BERTH__Gc__GraceWindow=00:00:00</c> turns the window off (tests).</summary>
public sealed class GcOptions
{
    public const string Section = "Gc";

    /// <summary>Blobs touched more recently than this are never collected: the push that touched them may still need them.</summary>
    public TimeSpan GraceWindow { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Stored bytes that no blob row announces are swept only once they are at least this old (and older than
    /// <see cref="GraceWindow"/>). Such bytes are left by a crash between the move and the insert, so there is no hurry;
    /// a push whose insert is merely slow (waiting for the database under load) must never lose its bytes to the sweep.
    /// </summary>
    public TimeSpan OrphanAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Blobs handled per database round trip.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;
}
