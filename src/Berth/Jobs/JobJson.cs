using System.Text.Json;

namespace Berth.Jobs;

/// <summary>How job payloads and results are written: Harbor's snake_case keys.</summary>
public static class JobJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Merges <paramref name="values"/> into a JSON object's text, replacing keys it already has.</summary>
    public static string Merge(string json, IReadOnlyDictionary<string, object?> values)
    {
        var merged = string.IsNullOrWhiteSpace(json)
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, Options) ?? [];
        foreach (var (key, value) in values)
        {
            merged[key] = JsonSerializer.SerializeToElement(value, Options);
        }

        return JsonSerializer.Serialize(merged, Options);
    }
}
