using Berth.Projects.Immutability;

namespace Berth.Tests.Immutability;

/// <summary>Which tags the rules of a project make immutable: the pure matching every check relies on.</summary>
public class ImmutableTagMatcherTests
{
    private static ImmutableRule Rule(string tags, string repositories = "**", string tagDecoration = "matches",
        string repositoryDecoration = "repoMatches", bool disabled = false) => new()
        {
            Disabled = disabled,
            Action = ImmutableRule.ImmutableAction,
            Template = ImmutableRule.ImmutableTemplate,
            TagSelectors = [new ImmutableSelector { Kind = "doublestar", Decoration = tagDecoration, Pattern = tags }],
            ScopeSelectors = new() { ["repository"] = [new ImmutableSelector { Kind = "doublestar", Decoration = repositoryDecoration, Pattern = repositories }] },
        };

    [Theory]
    // repository (without project), tag, expected
    [InlineData("app", "v1", true)]
    [InlineData("app", "v1.2", true)]
    [InlineData("app", "latest", false)]
    [InlineData("team/app", "v1", true)]
    public void A_matching_rule_protects_the_tags_its_pattern_matches(string repository, string tag, bool expected) =>
        Assert.Equal(expected, ImmutableTagMatcher.For([Rule("v*")], repository).IsImmutable(tag));

    [Theory]
    [InlineData("v1", false)]
    [InlineData("latest", true)]
    [InlineData("build-7", true)]
    public void An_excluding_tag_selector_protects_what_its_pattern_does_not_match(string tag, bool expected) =>
        Assert.Equal(expected, ImmutableTagMatcher.For([Rule("v*", tagDecoration: "excludes")], "app").IsImmutable(tag));

    [Theory]
    [InlineData("team/app", "team/**", "repoMatches", true)]
    [InlineData("team/app", "team/*", "repoMatches", true)]
    [InlineData("team/sub/app", "team/*", "repoMatches", false)]
    [InlineData("team/sub/app", "team/**", "repoMatches", true)]
    [InlineData("other", "team/**", "repoMatches", false)]
    [InlineData("app", "app", "repoExcludes", false)]
    [InlineData("tool", "app", "repoExcludes", true)]
    [InlineData("app", "{app,tool}", "repoMatches", true)]
    public void Repository_selectors_match_the_name_without_its_project(string repository, string pattern, string decoration, bool expected)
    {
        var matcher = ImmutableTagMatcher.For([Rule("**", pattern, repositoryDecoration: decoration)], repository);
        Assert.Equal(expected, matcher.IsImmutable("v1"));
        Assert.Equal(!expected, matcher.IsEmpty);
    }

    [Fact]
    public void A_disabled_rule_protects_nothing()
    {
        var matcher = ImmutableTagMatcher.For([Rule("**", disabled: true)], "app");
        Assert.True(matcher.IsEmpty);
        Assert.False(matcher.IsImmutable("v1"));
    }

    [Fact]
    public void Any_enabled_rule_suffices_and_an_excluding_rule_cancels_no_other()
    {
        var matcher = ImmutableTagMatcher.For([Rule("v*", tagDecoration: "excludes"), Rule("v1"), Rule("**", "tool")], "app");
        Assert.True(matcher.IsImmutable("v1"));      // the second rule
        Assert.True(matcher.IsImmutable("latest"));  // the first rule
        Assert.False(matcher.IsImmutable("v2"));     // neither; the third selects another repository
    }

    [Fact]
    public void No_rules_make_nothing_immutable()
    {
        Assert.True(ImmutableTagMatcher.For([], "app").IsEmpty);
        Assert.False(ImmutableTagMatcher.None.IsImmutable("v1"));
    }

    [Theory]
    [InlineData("matches")]
    [InlineData("excludes")]
    public void A_malformed_pattern_selects_nothing_whatever_its_decoration(string decoration) =>
        Assert.False(ImmutableTagMatcher.Selects(new ImmutableSelector { Kind = "doublestar", Decoration = decoration, Pattern = "[" }, "v1"));
}
