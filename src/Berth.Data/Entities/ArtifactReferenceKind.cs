namespace Berth.Data.Entities;

public enum ArtifactReferenceKind
{
    /// <summary>A config or layer of an image manifest.</summary>
    Blob = 0,

    /// <summary>An entry of an index.</summary>
    Manifest = 1,
}
