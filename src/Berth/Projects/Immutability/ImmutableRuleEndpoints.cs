using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Artifacts;
using Berth.Auth;

namespace Berth.Projects.Immutability;

/// <summary><c>/api/v2.0/projects/{project}/immutabletagrules</c>: list, create, change and delete a project's tag immutability rules.</summary>
/// <remarks>
/// The RBAC evaluator decides on Harbor's <c>immutable-tag</c> resource (project admins and maintainers, and robots given
/// it). An unknown project answers like a forbidden one, except to administrators, who learn it is 404. A rule of another
/// project is 404, as in Harbor.
/// </remarks>
public static class ImmutableRuleEndpoints
{
    private sealed class RuleRow
    {
        public required ImmutableRule Rule { get; init; }

        public long Id => Rule.Id;

        public bool Disabled => Rule.Disabled;
    }

    private static readonly QueryFields<RuleRow> ListFields = new QueryFields<RuleRow>()
        .Number("id", r => r.Id)
        .Boolean("disabled", r => r.Disabled)
        .Sortable("id", r => r.Id)
        .DefaultOrder("id", new QuerySort("id", false));

    public static IEndpointRouteBuilder MapImmutableTagRules(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2.0/projects/{nameOrId}/immutabletagrules").AddEndpointFilter<ApiErrorFilter>();
        group.MapGet("", ListAsync);
        group.MapPost("", CreateAsync);
        group.MapPut("/{ruleId:long}", UpdateAsync);
        group.MapDelete("/{ruleId:long}", DeleteAsync);
        return endpoints;
    }

    /// <summary>The project, if the caller may take <paramref name="action"/> on its immutability rules.</summary>
    /// <remarks>Numeric means an id unless <c>X-Is-Resource-Name: true</c> says it is a name, as everywhere in Harbor's API.</remarks>
    private static async Task<ProjectAccess> ProjectAsync(HttpContext context, string nameOrId, string action)
    {
        var isName = string.Equals(context.Request.Headers["X-Is-Resource-Name"], "true", StringComparison.OrdinalIgnoreCase);
        return !isName && long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await ProjectGate.RequireAsync(context, id, Rbac.ImmutableTag, action)
            : await ProjectGate.RequireAsync(context, nameOrId, Rbac.ImmutableTag, action);
    }

    private static async Task ListAsync(HttpContext context, ImmutableRuleStore rules, string nameOrId)
    {
        var project = await ProjectAsync(context, nameOrId, Rbac.List);
        var paging = ApiPaging.From(context.Request);
        var query = HarborQuery.From(context.Request);
        // A project has a handful of rules (at most ImmutableRuleStore.MaxRules): filtered and paged in memory.
        var rows = ListFields.Filter((await rules.ListAsync(project.ProjectId, context.RequestAborted)).Select(r => new RuleRow { Rule = r }).AsQueryable(), query);
        var total = rows.Count();
        var page = ListFields.Sort(rows, query).Skip(paging.Skip).Take(paging.PageSize).ToList();
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(r => Write(writer, r.Rule));
            writer.WriteEndArray();
        });
    }

    /// <summary>201 with <c>Location</c>: the request's path and the new id, as Harbor answers.</summary>
    /// <remarks>The body's <c>disabled</c> is kept (Harbor stores every new rule enabled, which is why Terraform disables it with a PUT after).</remarks>
    private static async Task CreateAsync(HttpContext context, ImmutableRuleStore rules, string nameOrId)
    {
        var project = await ProjectAsync(context, nameOrId, Rbac.Create);
        var rule = ImmutableRuleValidator.Validate(await ApiJson.ReadAsync<ImmutableRule>(context));
        var id = await rules.CreateAsync(project.Project, rule, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = string.Create(CultureInfo.InvariantCulture,
            $"{context.Request.PathBase}{context.Request.Path.Value!.TrimEnd('/')}/{id}");
    }

    /// <summary>Replaces the rule, its state (<c>disabled</c>) included. The body's <c>id</c>, when given, must be the path's.</summary>
    private static async Task UpdateAsync(HttpContext context, ImmutableRuleStore rules, string nameOrId, long ruleId)
    {
        var project = await ProjectAsync(context, nameOrId, Rbac.Update);
        var body = await ApiJson.ReadAsync<ImmutableRule>(context);
        if (body.Id != 0 && body.Id != ruleId)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"the immutable_rule_id {ruleId} does not match the id {body.Id} in the body"));
        }

        var rule = ImmutableRuleValidator.Validate(body);
        if (!await rules.UpdateAsync(project.Project, ruleId, rule, context.RequestAborted))
        {
            throw NotFound(ruleId);
        }
    }

    private static async Task DeleteAsync(HttpContext context, ImmutableRuleStore rules, string nameOrId, long ruleId)
    {
        var project = await ProjectAsync(context, nameOrId, Rbac.Delete);
        if (!await rules.DeleteAsync(project.Project, ruleId, context.RequestAborted))
        {
            throw NotFound(ruleId);
        }
    }

    private static ApiException NotFound(long ruleId) =>
        ApiException.NotFound(string.Create(CultureInfo.InvariantCulture, $"immutable rule {ruleId} not found in the project"));

    /// <summary>Harbor's <c>ImmutableRule</c>: the swagger's properties, every one of them always (Harbor leaves out empty ones).</summary>
    private static void Write(Utf8JsonWriter writer, ImmutableRule rule)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", rule.Id);
        writer.WriteBoolean("disabled", rule.Disabled);
        writer.WriteNumber("priority", rule.Priority);
        writer.WriteString("action", rule.Action);
        writer.WriteString("template", rule.Template);
        writer.WriteStartObject("params");
        foreach (var (key, value) in rule.Params ?? [])
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("tag_selectors");
        Write(writer, rule.TagSelector);
        writer.WriteEndArray();
        writer.WriteStartObject("scope_selectors");
        writer.WriteStartArray(ImmutableRuleValidator.RepositoryScope);
        Write(writer, rule.RepositorySelector);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, ImmutableSelector selector)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", selector.Kind);
        writer.WriteString("decoration", selector.Decoration);
        writer.WriteString("pattern", selector.Pattern);
        writer.WriteEndObject();
    }
}
