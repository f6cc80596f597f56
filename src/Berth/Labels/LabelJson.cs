using System.Text.Json;
using Berth.Api;
using Berth.Data.Entities;

namespace Berth.Labels;

/// <summary>Harbor's <c>Label</c>: a global label's <c>project_id</c> is 0, as Harbor stores it.</summary>
public static class LabelJson
{
    public static void Write(Utf8JsonWriter writer, Label label)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", label.Id);
        writer.WriteString("name", label.Name);
        writer.WriteString("description", label.Description);
        writer.WriteString("color", label.Color);
        writer.WriteString("scope", label.Scope);
        writer.WriteNumber("project_id", label.ProjectId ?? 0);
        writer.WriteString("creation_time", ApiJson.Time(label.CreatedAt));
        writer.WriteString("update_time", ApiJson.Time(label.UpdatedAt));
        writer.WriteEndObject();
    }
}
