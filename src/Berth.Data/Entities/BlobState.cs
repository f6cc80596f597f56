namespace Berth.Data.Entities;

/// <summary>A blob row's life: GC flips <see cref="Ready"/> to <see cref="Deleting"/> before it removes the bytes.</summary>
/// <remarks>A push may link only a <see cref="Ready"/> blob; a <see cref="Deleting"/> one counts as absent.</remarks>
public enum BlobState
{
    Ready = 0,
    Deleting = 1,
}
