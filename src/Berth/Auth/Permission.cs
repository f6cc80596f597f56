using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Berth.Auth;

/// <summary>One thing a subject may do: an action on a resource, Harbor's <c>Permission</c>.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Harbor's name for it, as its API shows it.")]
public readonly record struct Permission(string Resource, string Action)
{
    /// <summary>Writes <paramref name="permissions"/> as a JSON array of Harbor's <c>{"resource", "action"}</c> objects.</summary>
    public static void WriteArray(Utf8JsonWriter writer, IEnumerable<Permission> permissions)
    {
        writer.WriteStartArray();
        foreach (var permission in permissions)
        {
            writer.WriteStartObject();
            writer.WriteString("resource", permission.Resource);
            writer.WriteString("action", permission.Action);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
