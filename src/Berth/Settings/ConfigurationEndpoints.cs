using System.Text.Json;
using Berth.Api;
using Berth.Auth;

namespace Berth.Settings;

/// <summary><c>/api/v2.0/configurations</c>: Harbor's system settings, read and changed by system administrators.</summary>
public static class ConfigurationEndpoints
{
    public static IEndpointRouteBuilder MapConfigurations(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/configurations").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", GetAsync);
        group.MapPut("", PutAsync);
        return endpoints;
    }

    private static async Task GetAsync(HttpContext context, SettingsStore settings)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.Configuration, Rbac.Read);
        var items = await settings.DescribeAsync(context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        foreach (var (key, value, editable) in items)
        {
            writer.WriteStartObject(key);
            switch (value)
            {
                case bool flag:
                    writer.WriteBoolean("value", flag);
                    break;
                case long number:
                    writer.WriteNumber("value", number);
                    break;
                default:
                    writer.WriteString("value", value.ToString());
                    break;
            }

            writer.WriteBoolean("editable", editable);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static async Task PutAsync(HttpContext context, SettingsStore settings)
    {
        await ApiPrincipal.RequireSystemAsync(context, Rbac.Configuration, Rbac.Update);
        using var body = await ApiJson.ReadAsync<JsonDocument>(context);
        await settings.UpdateAsync(body.RootElement, context.RequestAborted);
    }
}
