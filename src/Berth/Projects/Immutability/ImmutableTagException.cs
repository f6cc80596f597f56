namespace Berth.Projects.Immutability;

/// <summary>A change a tag immutability rule forbids; both APIs answer it with 412 and Harbor's code <c>PRECONDITION</c>.</summary>
/// <remarks>
/// Thrown by <see cref="ImmutableTags"/> from services that both the registry API and the Harbor API call (a manifest
/// delete serves <c>/v2/</c>, artifact deletes and retention), so it belongs to neither API's error type.
/// </remarks>
public sealed class ImmutableTagException(string message) : InvalidOperationException(message);
