using System.Text.Json;

namespace Berth.Retention;

/// <summary>Harbor's <c>RetentionMetadata</c>: the rule templates it advertises and the selectors rules may use.</summary>
/// <remarks><see cref="RetentionTemplates.LatestActiveK"/> and <see cref="RetentionTemplates.LastXDays"/> are accepted but, as in Harbor, not advertised.</remarks>
public static class RetentionMetadata
{
    private static readonly (string Template, string Text, string? Unit)[] Templates =
    [
        (RetentionTemplates.LatestPushedK, "the most recently pushed # artifacts", "COUNT"),
        (RetentionTemplates.LatestPulledN, "the most recently pulled # artifacts", "COUNT"),
        (RetentionTemplates.NDaysSinceLastPush, "pushed within the last # days", "DAYS"),
        (RetentionTemplates.NDaysSinceLastPull, "pulled within the last # days", "DAYS"),
        (RetentionTemplates.Always, "always", null),
    ];

    public static void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("templates");
        foreach (var (template, text, unit) in Templates)
        {
            writer.WriteStartObject();
            writer.WriteString("rule_template", template);
            writer.WriteString("display_text", text);
            writer.WriteString("action", "retain");
            writer.WriteStartArray("params");
            if (unit is not null)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "int");
                writer.WriteString("unit", unit);
                writer.WriteBoolean("required", true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteSelectors(writer, "scope_selectors", "Repositories", "repoMatches", "repoExcludes");
        WriteSelectors(writer, "tag_selectors", "Tags", "matches", "excludes");
        writer.WriteEndObject();
    }

    private static void WriteSelectors(Utf8JsonWriter writer, string name, string text, params string[] decorations)
    {
        writer.WriteStartArray(name);
        writer.WriteStartObject();
        writer.WriteString("display_text", text);
        writer.WriteString("kind", "doublestar");
        writer.WriteStartArray("decorations");
        foreach (var decoration in decorations)
        {
            writer.WriteStringValue(decoration);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
    }
}
