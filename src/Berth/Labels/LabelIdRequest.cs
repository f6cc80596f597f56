using System.Text.Json.Serialization;

namespace Berth.Labels;

/// <summary>The <c>Label</c> body that attaches a label to an artifact: only its <c>id</c> is read.</summary>
public sealed class LabelIdRequest
{
    [JsonPropertyName("id")]
    public long Id { get; set; }
}
