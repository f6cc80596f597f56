using Berth.Oci.Patterns;

namespace Berth.Projects.Immutability;

/// <summary>Which tags of one repository its project's enabled rules make immutable. Pure: the rules are given.</summary>
/// <remarks>
/// A tag is immutable when any enabled rule selects both the repository (its name without the project, as Harbor matches)
/// and the tag. An excluding selector selects what its pattern does not match; a rule that excludes does not cancel
/// another rule that matches. A disabled rule selects nothing.
/// </remarks>
public sealed class ImmutableTagMatcher
{
    private readonly IReadOnlyList<ImmutableSelector> _tagSelectors;

    private ImmutableTagMatcher(IReadOnlyList<ImmutableSelector> tagSelectors) => _tagSelectors = tagSelectors;

    /// <summary>No rule applies: nothing is immutable.</summary>
    public static ImmutableTagMatcher None { get; } = new([]);

    /// <summary>Whether no rule applies to the repository, so that no tag of it can be immutable.</summary>
    public bool IsEmpty => _tagSelectors.Count == 0;

    /// <param name="rules">The rules of the repository's project, validated (one selector of each kind).</param>
    /// <param name="repository">The repository's name without its project.</param>
    public static ImmutableTagMatcher For(IEnumerable<ImmutableRule> rules, string repository)
    {
        var selectors = rules.Where(r => !r.Disabled && Selects(r.RepositorySelector, repository)).Select(r => r.TagSelector).ToList();
        return selectors.Count == 0 ? None : new ImmutableTagMatcher(selectors);
    }

    public bool IsImmutable(string tag) => _tagSelectors.Any(s => Selects(s, tag));

    /// <summary>Whether <paramref name="selector"/> selects <paramref name="name"/>; a malformed pattern selects nothing, whatever its decoration.</summary>
    public static bool Selects(ImmutableSelector selector, string name) =>
        Doublestar.TryMatch(selector.Pattern ?? "", name, out var matched) && matched != selector.Excludes;
}
