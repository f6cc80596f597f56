using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Events;

namespace Berth.Webhooks;

/// <summary>What a repository looked like when its event was handed on, for the payload's <c>repository</c> object.</summary>
/// <param name="CreatedAt">When the repository was created; null when it is gone (its last artifact deleted).</param>
public sealed record PayloadRepository(DateTime? CreatedAt);

/// <summary>Harbor's two payload formats: its own (<c>Default</c>) and CloudEvents 1.0 in structured mode.</summary>
public static class WebhookPayloads
{
    public const string JsonContentType = "application/json";
    public const string CloudEventsContentType = "application/cloudevents+json";

    /// <summary>Harbor's <c>{type, occur_at, operator, event_data}</c>.</summary>
    public static string Default(DispatchedEvent dispatched, PayloadRepository? repository, string registryHost) => Write(writer =>
    {
        var row = dispatched.Event;
        writer.WriteStartObject();
        writer.WriteString("type", row.Type);
        writer.WriteNumber("occur_at", UnixSeconds(row.OccurredAt));
        writer.WriteString("operator", row.Operator);
        writer.WritePropertyName("event_data");
        WriteEventData(writer, dispatched, repository, registryHost);
        writer.WriteEndObject();
    });

    /// <summary>A CloudEvent with <c>data</c> = the Default payload's <c>event_data</c>, and Harbor's <c>operator</c> and <c>requestid</c> extensions.</summary>
    public static string CloudEvent(DispatchedEvent dispatched, PayloadRepository? repository, string registryHost, long projectId, long policyId) =>
        Write(writer =>
        {
            var row = dispatched.Event;
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("requestid", row.RequestId ?? "");
            writer.WriteString("id", Guid.NewGuid().ToString());
            writer.WriteString("source", $"/projects/{projectId.ToString(CultureInfo.InvariantCulture)}/webhook/policies/{policyId.ToString(CultureInfo.InvariantCulture)}");
            writer.WriteString("type", EventTypes.CloudEventTypes[row.Type]);
            writer.WriteString("datacontenttype", JsonContentType);
            writer.WriteString("time", DateTimeOffset.FromUnixTimeSeconds(UnixSeconds(row.OccurredAt)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            WriteEventData(writer, dispatched, repository, registryHost);
            writer.WriteString("operator", row.Operator);
            writer.WriteEndObject();
        });

    /// <summary>
    /// <c>resources</c> (one per tag, or one by digest whose <c>tag</c> is the digest, as Harbor writes a pull by digest) and
    /// <c>repository</c> for artifact events; whatever the event type adds (<c>retention</c>, …) from its extra data.
    /// </summary>
    private static void WriteEventData(Utf8JsonWriter writer, DispatchedEvent dispatched, PayloadRepository? repository, string registryHost)
    {
        var data = dispatched.Data;
        writer.WriteStartObject();
        if (data.Digest is { } digest && data.Repository is { } name)
        {
            writer.WriteStartArray("resources");
            var tags = data.Tags is { Count: > 0 } ? data.Tags : null;
            foreach (var tag in tags ?? [digest])
            {
                writer.WriteStartObject();
                writer.WriteString("digest", digest);
                writer.WriteString("tag", tag);
                writer.WriteString("resource_url", tags is null ? $"{registryHost}/{name}@{digest}" : $"{registryHost}/{name}:{tag}");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (data.Repository is { } full)
        {
            var slash = full.IndexOf('/', StringComparison.Ordinal);
            writer.WriteStartObject("repository");
            if (repository?.CreatedAt is { } created)
            {
                writer.WriteNumber("date_created", UnixSeconds(created));
            }

            writer.WriteString("name", slash < 0 ? full : full[(slash + 1)..]);
            writer.WriteString("namespace", slash < 0 ? "" : full[..slash]);
            writer.WriteString("repo_full_name", full);
            writer.WriteString("repo_type", dispatched.Project?.Public == true ? "public" : "private");
            writer.WriteEndObject();
        }

        if (data.Extra is { ValueKind: JsonValueKind.Object } extra)
        {
            foreach (var property in extra.EnumerateObject())
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static long UnixSeconds(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
