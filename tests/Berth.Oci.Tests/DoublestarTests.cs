using Berth.Oci.Patterns;

namespace Berth.Oci.Tests;

/// <summary>bmatcuk/doublestar v1.3.4's behaviour, which Harbor's filters inherit, case by case.</summary>
public class DoublestarTests
{
    [Theory]
    // ** matches everything, across separators, and the empty string.
    [InlineData("**", "", true)]
    [InlineData("**", "library/nginx", true)]
    [InlineData("**", "a/b/c", true)]
    [InlineData("**/nginx", "nginx", true)]
    [InlineData("**/nginx", "a/b/nginx", true)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a**", "a", true)]
    [InlineData("a*{,x}", "a", false)]  // the engine's quirk: only "", *, ** or an empty-able group may be left over
    [InlineData("a**", "abc", true)]
    // * stays inside one component.
    [InlineData("*", "", true)]
    [InlineData("*", "nginx", true)]
    [InlineData("*", "a/b", false)]
    [InlineData("v*", "", false)]
    [InlineData("v*", "v1.0", true)]
    [InlineData("*.*", "1.0", true)]
    [InlineData("*x", "x", true)]
    [InlineData("library/*", "library/nginx", true)]
    [InlineData("library/*", "library/a/b", false)]
    [InlineData("library/*", "library", false)]
    [InlineData("library/**", "library/nginx", true)]
    [InlineData("library/**", "library/a/b", true)]
    [InlineData("library/traefik", "library/traefik", true)]
    [InlineData("library/traefik", "library/traefik2", false)]
    [InlineData("library/traefik", "Library/traefik", false)]
    // ? is one character, never a separator.
    [InlineData("v?", "v1", true)]
    [InlineData("v?", "v", false)]
    [InlineData("v?", "v12", false)]
    [InlineData("a?b", "a/b", false)]
    // Classes: ranges, ^ negates, ! is a literal member.
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[a-c]x", "dx", false)]
    [InlineData("[^a-c]x", "dx", true)]
    [InlineData("[^a-c]x", "ax", false)]
    [InlineData("[!x]", "!", true)]
    [InlineData("[!x]", "x", true)]
    [InlineData("[!x]", "a", false)]
    [InlineData("[\\]]", "]", true)]
    [InlineData("[^]", "q", true)]
    // Escapes make metacharacters literal.
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "x", false)]
    [InlineData("a\\?", "a?", true)]
    [InlineData("\\{a\\}", "{a}", true)]
    // Alternation: each branch is a pattern; a single branch is a literal group; groups nest.
    [InlineData("v2.{10}.{?,??}", "v2.10.1", true)]
    [InlineData("v2.{10}.{?,??}", "v2.10.12", true)]
    [InlineData("v2.{10}.{?,??}", "v2.10.123", false)]
    [InlineData("v2.{10}.{?,??}", "v2.9.1", false)]
    [InlineData("2.1.{?,??}", "2.1.0", true)]
    [InlineData("2.1.{?,??}", "2.1.10", true)]
    [InlineData("2.1.{?,??}", "2.1.100", false)]
    [InlineData("2.1.{?,??}", "2.1.", false)]
    [InlineData("{1.*,latest}", "1.0", true)]
    [InlineData("{1.*,latest}", "1.2.3", true)]
    [InlineData("{1.*,latest}", "latest", true)]
    [InlineData("{1.*,latest}", "2.0", false)]
    [InlineData("{1.*,latest}", "", false)]
    [InlineData("{a,b{c,d}}", "bd", true)]
    [InlineData("{a,b{c,d}}", "b", false)]
    [InlineData("x{,y}", "x", true)]
    [InlineData("{library,team}/*", "team/app", true)]
    [InlineData("{library/*,x}", "library/app", true)]
    // The empty pattern matches only the empty name.
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a", "", false)]
    public void Matches_like_doublestar_1_3_4(string pattern, string name, bool expected)
    {
        Assert.True(Doublestar.TryMatch(pattern, name, out var matched));
        Assert.Equal(expected, matched);
    }

    [Theory]
    [InlineData("[a", "a")]
    [InlineData("[]", "a")]
    [InlineData("[-a]", "a")]
    [InlineData("[a-]", "a")]
    [InlineData("{a,b", "a")]
    [InlineData("a\\", "ab")]
    [InlineData("*{", "ab")]
    public void Malformed_patterns_are_errors_not_non_matches(string pattern, string name)
    {
        Assert.False(Doublestar.TryMatch(pattern, name, out var matched));
        Assert.False(matched);
        Assert.Throws<FormatException>(() => Doublestar.Match(pattern, name));
    }

    [Fact]
    public void A_malformed_tail_is_only_an_error_where_the_engine_reaches_it()
    {
        // The engine stops at the first component that fails, so the broken class is never parsed.
        Assert.True(Doublestar.TryMatch("x/[", "y/z", out var matched));
        Assert.False(matched);
    }

    [Theory]
    [InlineData("**", true)]
    [InlineData("", true)]
    [InlineData("v{1,2}.*", true)]
    [InlineData("{a,{b,c}}/[a-z]?", true)]
    [InlineData("[^0-9]", true)]
    [InlineData("a\\{", true)]
    [InlineData("[\\]]", true)]
    [InlineData("x/[", false)]       // TryMatch never reaches it for "y/z"; the check does
    [InlineData("[]", false)]
    [InlineData("[-a]", false)]
    [InlineData("[a-]", false)]
    [InlineData("{a,b", false)]
    [InlineData("{a,[}", false)]
    [InlineData("a\\", false)]
    [InlineData("release-{x,y}\\", false)]
    public void Well_formed_patterns_are_told_from_malformed_ones_wherever_the_error_is(string pattern, bool wellFormed) =>
        Assert.Equal(wellFormed, Doublestar.IsWellFormed(pattern));

    [Theory]
    [InlineData("[-a]")]
    [InlineData("[a-]")]
    [InlineData("{a,b")]
    [InlineData("a\\")]
    [InlineData("*{")]
    public void What_the_engine_calls_malformed_the_check_calls_malformed(string pattern) =>
        Assert.False(Doublestar.IsWellFormed(pattern));
}
