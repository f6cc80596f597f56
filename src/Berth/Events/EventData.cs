using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Events;

/// <summary>What an event is about, stored as the outbox row's JSON: its project, repository, artifact and tags.</summary>
/// <remarks><see cref="Extra"/> holds what one type adds (a retention run's results), already in the shape its webhook sends.</remarks>
public sealed class EventData
{
    [JsonPropertyName("project")]
    public string? Project { get; set; }

    /// <summary>The repository's full name, <c>project/name</c>.</summary>
    [JsonPropertyName("repository")]
    public string? Repository { get; set; }

    [JsonPropertyName("digest")]
    public string? Digest { get; set; }

    [JsonPropertyName("tags")]
    public List<string>? Tags { get; set; }

    /// <summary>
    /// When the event stands for several alike ones (pulls of one artifact by one caller within an interval), each
    /// one's time; null for a single event, whose time is the row's.
    /// </summary>
    [JsonPropertyName("times")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<DateTime>? Times { get; set; }

    [JsonPropertyName("extra")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Extra { get; set; }

    public static EventData ForProject(string project) => new() { Project = project };

    public static EventData ForRepository(string repository) => new() { Project = ProjectOf(repository), Repository = repository };

    /// <summary>An artifact of <paramref name="repository"/>, with the tags the event concerns (none when it went by digest).</summary>
    public static EventData ForArtifact(string repository, string digest, IEnumerable<string> tags) =>
        new() { Project = ProjectOf(repository), Repository = repository, Digest = digest, Tags = tags.ToList() };

    public string Serialize() => JsonSerializer.Serialize(this);

    public static EventData Parse(string json) => JsonSerializer.Deserialize<EventData>(json) ?? new EventData();

    private static string ProjectOf(string repository) => repository.Split('/', 2)[0];
}
