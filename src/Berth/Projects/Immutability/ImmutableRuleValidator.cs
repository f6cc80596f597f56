using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Oci.Patterns;

namespace Berth.Projects.Immutability;

/// <summary>Checks a rule from the API before it is stored, and reduces it to the canonical form that is stored and compared.</summary>
/// <remarks>
/// <para>
/// Harbor requires the selectors, action and template, and matches with the first repository selector and the first tag
/// selector only. Berth asks for exactly one of each instead of ignoring the others, so that a rule does what it says.
/// </para>
/// <para>
/// Stricter than Harbor, which stores any decoration or pattern and fails later: an unknown decoration, a kind other than
/// <c>doublestar</c>, or a malformed pattern is a 400 here, saying which field is wrong.
/// </para>
/// </remarks>
public static class ImmutableRuleValidator
{
    public const string RepositoryScope = "repository";

    /// <summary>The longest pattern accepted: far beyond any repository (255) or tag (128) name.</summary>
    public const int MaxPatternLength = 1024;

    private static readonly string[] TagDecorations = ["matches", "excludes"];
    private static readonly string[] RepositoryDecorations = ["repoMatches", "repoExcludes"];

    /// <summary>The canonical form of <paramref name="rule"/>, without id and project; what is invalid is a 400.</summary>
    /// <remarks>Missing <c>action</c>, <c>template</c> and <c>params</c> take their only possible values; <c>extras</c> is dropped.</remarks>
    public static ImmutableRule Validate(ImmutableRule rule)
    {
        var action = rule.Action ?? ImmutableRule.ImmutableAction;
        if (action != ImmutableRule.ImmutableAction)
        {
            throw ApiException.BadRequest($"action must be \"{ImmutableRule.ImmutableAction}\", not \"{action}\"");
        }

        var template = rule.Template ?? ImmutableRule.ImmutableTemplate;
        if (template != ImmutableRule.ImmutableTemplate)
        {
            throw ApiException.BadRequest($"template must be \"{ImmutableRule.ImmutableTemplate}\", not \"{template}\"");
        }

        if (rule.TagSelectors is not { Count: 1 } tags)
        {
            throw ApiException.BadRequest(
                "tag_selectors must hold exactly one selector, like [{\"kind\":\"doublestar\",\"decoration\":\"matches\",\"pattern\":\"**\"}]");
        }

        var scopes = rule.ScopeSelectors ?? throw ApiException.BadRequest(
            "scope_selectors is required, like {\"repository\":[{\"kind\":\"doublestar\",\"decoration\":\"repoMatches\",\"pattern\":\"**\"}]}");
        if (scopes.Keys.FirstOrDefault(k => k != RepositoryScope) is { } other)
        {
            throw ApiException.BadRequest($"scope_selectors.{other} is not supported: a rule selects repositories only");
        }

        if (!scopes.TryGetValue(RepositoryScope, out var repositories) || repositories is not { Count: 1 })
        {
            throw ApiException.BadRequest("scope_selectors.repository must hold exactly one selector");
        }

        return new ImmutableRule
        {
            Disabled = rule.Disabled,
            Priority = rule.Priority,
            Action = action,
            Template = template,
            // Sorted, so that two rules that differ only in the order of their parameters compare equal.
            Params = (rule.Params ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            TagSelectors = [Selector("tag_selectors[0]", tags[0], TagDecorations)],
            ScopeSelectors = new() { [RepositoryScope] = [Selector("scope_selectors.repository[0]", repositories[0], RepositoryDecorations)] },
        };
    }

    /// <summary>What makes two rules of a project the same rule: everything they decide, not their id, priority or state.</summary>
    /// <remarks>
    /// A disabled copy of an enabled rule would protect nothing more when enabled, so it is a duplicate too (409): Harbor,
    /// whose uniqueness comes from its stored JSON, tells them apart only by accident of that encoding.
    /// </remarks>
    public static string Identity(ImmutableRule canonical) => JsonSerializer.Serialize(new ImmutableRule
    {
        Action = canonical.Action,
        Template = canonical.Template,
        Params = canonical.Params,
        TagSelectors = canonical.TagSelectors,
        ScopeSelectors = canonical.ScopeSelectors,
    });

    private static ImmutableSelector Selector(string at, ImmutableSelector? selector, string[] decorations)
    {
        if (selector is null)
        {
            throw ApiException.BadRequest($"{at} is null");
        }

        if (selector.Kind != "doublestar")
        {
            throw ApiException.BadRequest($"{at}.kind must be \"doublestar\", not \"{selector.Kind}\"");
        }

        if (!decorations.Contains(selector.Decoration))
        {
            throw ApiException.BadRequest($"{at}.decoration must be {string.Join(" or ", decorations)}, not \"{selector.Decoration}\"");
        }

        if (string.IsNullOrEmpty(selector.Pattern))
        {
            throw ApiException.BadRequest($"{at}.pattern is required (\"**\" matches everything)");
        }

        if (selector.Pattern.Length > MaxPatternLength)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"{at}.pattern is longer than {MaxPatternLength} characters"));
        }

        if (!Doublestar.IsWellFormed(selector.Pattern))
        {
            throw ApiException.BadRequest($"{at}.pattern '{selector.Pattern}' is not a valid doublestar pattern");
        }

        return new ImmutableSelector { Kind = selector.Kind, Decoration = selector.Decoration, Pattern = selector.Pattern };
    }
}
