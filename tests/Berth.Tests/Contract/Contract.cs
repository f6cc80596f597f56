using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Berth.Tests.Contract;

/// <summary>Checks answers against <see cref="HarborDefinitions"/> and Harbor's conventions for statuses and headers.</summary>
public static partial class Contract
{
    /// <summary>Everything about <paramref name="element"/> that breaks <paramref name="definition"/>, as readable paths.</summary>
    public static List<string> Violations(JsonElement element, string definition, string path = "$")
    {
        var problems = new List<string>();
        Check(element, definition, path, problems);
        return problems;
    }

    public static void AssertMatches(JsonElement element, string definition)
    {
        var problems = Violations(element, definition);
        Assert.True(problems.Count == 0, $"{definition}: {string.Join("; ", problems)}\n{element}");
    }

    /// <summary>200 with a JSON body matching <paramref name="definition"/>.</summary>
    public static async Task<JsonElement> AssertObjectAsync(HttpResponseMessage response, string definition, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await JsonBodyAsync(response, status);
        AssertMatches(body, definition);
        return body;
    }

    /// <summary>200, a JSON array of <paramref name="definition"/>, and Harbor's list headers: <c>X-Total-Count</c> and, when asked for, <c>Link</c>.</summary>
    public static async Task<JsonElement> AssertListAsync(HttpResponseMessage response, string definition, long? total = null, params string[] links)
    {
        var body = await JsonBodyAsync(response, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        foreach (var (item, i) in body.EnumerateArray().Select((item, i) => (item, i)))
        {
            var problems = Violations(item, definition, $"$[{i}]");
            Assert.True(problems.Count == 0, $"{definition}: {string.Join("; ", problems)}");
        }

        var count = Assert.Single(response.Headers.GetValues("X-Total-Count"));
        Assert.True(long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed), $"X-Total-Count {count}");
        if (total is { } expected)
        {
            Assert.Equal(expected, parsed);
        }

        Assert.True(parsed >= body.GetArrayLength());
        var link = response.Headers.TryGetValues("Link", out var values) ? Assert.Single(values) : "";
        foreach (var rel in links)
        {
            Assert.Matches($"<(/api/v2\\.0/[^>]*[?&]page=[0-9]+[^>]*)>; rel=\"{rel}\"", link);
        }

        return body;
    }

    /// <summary>200 and a JSON array of <paramref name="definition"/>, for lists Harbor does not page.</summary>
    public static async Task<JsonElement> AssertListOfAsync(HttpResponseMessage response, string definition)
    {
        var body = await JsonBodyAsync(response, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        foreach (var (item, i) in body.EnumerateArray().Select((item, i) => (item, i)))
        {
            var problems = Violations(item, definition, $"$[{i}]");
            Assert.True(problems.Count == 0, $"{definition}: {string.Join("; ", problems)}");
        }

        return body;
    }

    /// <summary>201, an empty body, and a relative <c>Location</c> under <c>/api/v2.0/</c> (Terraform takes the id from it).</summary>
    public static string AssertCreated(HttpResponseMessage response, string locationPattern)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var location = response.Headers.Location?.OriginalString ?? "";
        Assert.False(response.Headers.Location?.IsAbsoluteUri ?? true, location);
        Assert.Matches("^" + locationPattern + "$", location);
        return location;
    }

    /// <summary>Harbor's error: the status, <c>application/json</c>, and <c>{"errors":[{"code","message"}]}</c> with the code for the status.</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await JsonBodyAsync(response, status);
        AssertMatches(body, "Errors");
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        var codes = status switch
        {
            HttpStatusCode.BadRequest => new[] { "BAD_REQUEST" },
            HttpStatusCode.Unauthorized => ["UNAUTHORIZED"],
            HttpStatusCode.Forbidden => ["FORBIDDEN", "DENIED"],
            HttpStatusCode.NotFound => ["NOT_FOUND"],
            HttpStatusCode.Conflict => ["CONFLICT"],
            HttpStatusCode.PreconditionFailed => ["PRECONDITION", "PROJECTPOLICYVIOLATION", "VIOLATE_FOREIGN_KEY_CONSTRAINT"],
            HttpStatusCode.RequestEntityTooLarge => ["REQUEST_ENTITY_TOO_LARGE"],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        Assert.Contains(error.GetProperty("code").GetString(), codes);
    }

    /// <summary>200 with nothing in the body, Harbor's answer to a successful PUT or DELETE.</summary>
    public static async Task AssertEmptyOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.Equal("", body);
    }

    private static async Task<JsonElement> JsonBodyAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }

    private static void Check(JsonElement element, string definitionName, string path, List<string> problems)
    {
        if (!HarborDefinitions.All.TryGetValue(definitionName, out var definition))
        {
            problems.Add($"{path}: no definition {definitionName} in the table");
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: {element.ValueKind}, expected an object ({definitionName})");
            return;
        }

        if (definition.MapOf is { } valueType)
        {
            foreach (var property in element.EnumerateObject())
            {
                CheckValue(property.Value, new Field(property.Name, valueType), $"{path}.{property.Name}", problems);
            }

            return;
        }

        var declared = definition.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!declared.TryGetValue(property.Name, out var field))
            {
                problems.Add($"{path}.{property.Name}: not in {definitionName}");
                continue;
            }

            CheckValue(property.Value, field, $"{path}.{property.Name}", problems);
        }

        foreach (var field in definition.Fields.Where(f => f.Required && !element.TryGetProperty(f.Name, out _)))
        {
            problems.Add($"{path}.{field.Name}: missing");
        }
    }

    private static void CheckValue(JsonElement value, Field field, string path, List<string> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!field.Nullable)
            {
                problems.Add($"{path}: null");
            }

            return;
        }

        CheckType(value, field.Type, field.Reference, field.Items, path, problems);
    }

    private static void CheckType(JsonElement value, JsonType type, string? reference, JsonType? items, string path, List<string> problems)
    {
        var fits = type switch
        {
            JsonType.String => value.ValueKind == JsonValueKind.String,
            JsonType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            JsonType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            JsonType.DateTime => value.ValueKind == JsonValueKind.String && IsRfc3339(value.GetString()!),
            JsonType.Object => value.ValueKind == JsonValueKind.Object,
            JsonType.Array => value.ValueKind == JsonValueKind.Array,
            _ => false,
        };
        if (!fits)
        {
            problems.Add($"{path}: {value.GetRawText()} is not {type}");
            return;
        }

        if (type == JsonType.Object && reference is not null)
        {
            Check(value, reference, path, problems);
        }
        else if (type == JsonType.Array)
        {
            foreach (var (item, i) in value.EnumerateArray().Select((item, i) => (item, i)))
            {
                if (reference is not null)
                {
                    Check(item, reference, $"{path}[{i}]", problems);
                }
                else if (items is { } itemType)
                {
                    CheckType(item, itemType, null, null, $"{path}[{i}]", problems);
                }
            }
        }
    }

    /// <summary>RFC 3339's date-time: full date, <c>T</c>, full time with optional fraction, and <c>Z</c> or an offset.</summary>
    public static bool IsRfc3339(string text) =>
        Rfc3339().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
