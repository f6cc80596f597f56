namespace Berth.Oci.Patterns;

/// <summary>
/// Glob matching with exactly the semantics of bmatcuk/doublestar v1.3.4, the engine Harbor's retention, tag
/// immutability, replication and proxy-cache filters use, so that a rule means in Berth what it meant in Harbor.
/// </summary>
/// <remarks>
/// <para>
/// <c>/</c> separates components. <c>*</c> matches a run of non-<c>/</c> characters (also empty); <c>**</c> as a whole
/// component matches any number of components (also none); <c>?</c> matches one character; <c>[a-z]</c> and
/// <c>[^a-z]</c> are classes (<c>!</c> is a literal member, not a negation); <c>\</c> escapes; <c>{a,b}</c> is an
/// alternation of sub-patterns, which may nest.
/// </para>
/// <para>
/// The engine's quirks are part of the contract and are kept: once the name is used up, what is left of the pattern
/// matches only if it is <c>*</c>, <c>**</c> or a group that can be empty (so <c>a*{,x}</c> does not match <c>a</c>),
/// <c>[^]</c> matches any character, and a malformed pattern (an unclosed
/// class or brace, a trailing <c>\</c>, an empty class) is an error rather than a non-match. It works on UTF-16
/// characters where the Go engine works on runes; the two differ only outside the Basic Multilingual Plane.
/// </para>
/// </remarks>
public static class Doublestar
{
    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/>.</summary>
    /// <exception cref="FormatException">The pattern is malformed.</exception>
    public static bool Match(string pattern, string name) =>
        TryMatch(pattern, name, out var matched) ? matched : throw new FormatException($"malformed pattern '{pattern}'");

    /// <summary>Matches, returning false (and <paramref name="matched"/> false) when the pattern is malformed.</summary>
    public static bool TryMatch(string pattern, string name, out bool matched)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            matched = MatchComponents(pattern, SplitName(name));
            return true;
        }
        catch (BadPatternException)
        {
            matched = false;
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="pattern"/> is free of the errors the engine reports (an unclosed class or brace, a trailing
    /// <c>\</c>, an empty or broken class), wherever they are.
    /// </summary>
    /// <remarks>
    /// The engine only finds an error where a match reaches it, so a stored malformed pattern would silently match
    /// nothing; APIs that store patterns check them with this first.
    /// </remarks>
    public static bool IsWellFormed(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        try
        {
            CheckWellFormed(pattern);
            return true;
        }
        catch (BadPatternException)
        {
            return false;
        }
    }

    /// <summary>Walks the whole pattern with the engine's own parsers for escapes, classes and alternatives.</summary>
    private static void CheckWellFormed(string pattern)
    {
        var i = 0;
        while (i < pattern.Length)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        throw new BadPatternException();
                    }

                    i += 2;
                    break;
                case '[':
                    var members = pattern[(i + 1)..];
                    var close = IndexOfUnescaped(members, ']');
                    if (close == -1)
                    {
                        throw new BadPatternException();
                    }

                    MatchClass(members.AsSpan(0, close), '\0');
                    i += close + 2;
                    break;
                case '{':
                    var (options, length) = SplitAlternatives(pattern[(i + 1)..]);
                    options.ForEach(CheckWellFormed);
                    i += 1 + length;
                    break;
                default:
                    i++;
                    break;
            }
        }
    }

    private static bool MatchComponents(string pattern, ArraySegment<string> components)
    {
        if (pattern.Length == 0)
        {
            return components.Count == 0 || (components.Count == 1 && components[0].Length == 0);
        }

        var slash = IndexOfUnescaped(pattern, '/');
        var last = slash == -1;
        if (last)
        {
            slash = pattern.Length;
        }

        if (pattern.AsSpan(0, slash) is "**")
        {
            if (last)
            {
                return true;
            }

            // The engine ignores malformed remainders while it tries each split point.
            var rest = pattern[(slash + 1)..];
            for (var i = 0; i < components.Count; i++)
            {
                try
                {
                    if (MatchComponents(rest, components[i..]))
                    {
                        return true;
                    }
                }
                catch (BadPatternException)
                {
                }
            }

            return false;
        }

        var remainders = MatchComponent(pattern, components[0]);
        if (remainders is null)
        {
            return false;
        }

        if (remainders.Count == 0 && components.Count == 1)
        {
            return true;
        }

        if (components.Count > 1)
        {
            foreach (var remainder in remainders)
            {
                if (MatchComponents(remainder, components[1..]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Matches the first component of <paramref name="pattern"/> against <paramref name="name"/>: null for no match,
    /// otherwise the pattern left for the next components (empty when the pattern is used up).
    /// </summary>
    private static List<string>? MatchComponent(string pattern, string name)
    {
        int p = 0, n = 0;
        while (p < pattern.Length && n < name.Length)
        {
            var pc = pattern[p];
            var nc = name[n];
            switch (pc)
            {
                case '/':
                    return null;
                case '\\':
                    if (++p >= pattern.Length)
                    {
                        throw new BadPatternException();
                    }

                    if (pattern[p] != nc)
                    {
                        return null;
                    }

                    p++;
                    n++;
                    break;
                case '*':
                    if (++p >= pattern.Length)
                    {
                        return [];
                    }

                    if (pattern[p] == '/')
                    {
                        return [pattern[(p + 1)..]];
                    }

                    // The star takes zero or more characters; the empty rest of the name is never tried.
                    var afterStar = pattern[p..];
                    for (; n < name.Length; n++)
                    {
                        if (MatchComponent(afterStar, name[n..]) is { } found)
                        {
                            return found;
                        }
                    }

                    return null;
                case '[':
                    p++;
                    var close = IndexOfUnescaped(pattern[p..], ']');
                    if (close == -1)
                    {
                        throw new BadPatternException();
                    }

                    if (!MatchClass(pattern.AsSpan(p, close), nc))
                    {
                        return null;
                    }

                    p += close + 1;
                    n++;
                    break;
                case '{':
                    p++;
                    var (options, length) = SplitAlternatives(pattern[p..]);
                    var after = pattern[(p + length)..];
                    var rest = name[n..];
                    List<string>? results = null;
                    foreach (var option in options)
                    {
                        if (MatchComponent(option + after, rest) is { } found)
                        {
                            (results ??= []).AddRange(found);
                        }
                    }

                    return results;
                default:
                    if (pc != '?' && pc != nc)
                    {
                        return null;
                    }

                    p++;
                    n++;
                    break;
            }
        }

        if (n < name.Length)
        {
            return null;
        }

        if (p >= pattern.Length)
        {
            return [];
        }

        var remaining = pattern[p..];
        var slash = IndexOfUnescaped(remaining, '/');
        var head = slash >= 0 ? remaining[..slash] : remaining;
        if (!CanMatchEmpty(head))
        {
            return null;
        }

        return slash == -1 ? [] : [remaining[(slash + 1)..]];
    }

    private static bool MatchClass(ReadOnlySpan<char> members, char c)
    {
        if (members.IsEmpty)
        {
            throw new BadPatternException();
        }

        var negated = members[0] == '^';
        var i = negated ? 1 : 0;
        var matched = false;
        while (i < members.Length)
        {
            var low = ReadClassChar(members, ref i, allowDash: false);
            var high = low;
            if (i < members.Length && members[i] == '-')
            {
                i++;
                if (i >= members.Length)
                {
                    throw new BadPatternException();
                }

                high = ReadClassChar(members, ref i, allowDash: false);
            }

            if (low <= c && c <= high)
            {
                matched = true;
            }
        }

        return matched != negated;
    }

    private static char ReadClassChar(ReadOnlySpan<char> members, ref int i, bool allowDash)
    {
        var c = members[i++];
        if (c == '-' && !allowDash)
        {
            throw new BadPatternException();
        }

        if (c != '\\')
        {
            return c;
        }

        return i < members.Length ? members[i++] : throw new BadPatternException();
    }

    /// <summary>Whether a pattern component can match the empty string: "", "*", "**", or a brace group that can.</summary>
    private static bool CanMatchEmpty(string pattern)
    {
        if (pattern is "" or "*" or "**")
        {
            return true;
        }

        if (pattern[0] != '{')
        {
            return false;
        }

        var (options, length) = SplitAlternatives(pattern[1..]);
        return CanMatchEmpty(pattern[(1 + length)..]) && options.Any(CanMatchEmpty);
    }

    /// <summary>Splits <c>a,b}rest</c> (the text after a <c>{</c>) into its alternatives and the length up to and including <c>}</c>.</summary>
    private static (List<string> Options, int Length) SplitAlternatives(string text)
    {
        var options = new List<string>(2);
        var depth = 1;
        var escaped = false;
        var start = 0;
        var i = 0;
        while (depth > 0)
        {
            if (i >= text.Length)
            {
                throw new BadPatternException();
            }

            var c = text[i];
            if (escaped)
            {
                escaped = false;
            }
            else if (c == '\\')
            {
                escaped = true;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth--;
            }
            else if (c == ',' && depth == 1)
            {
                options.Add(text[start..i]);
                start = i + 1;
            }

            i++;
        }

        options.Add(text[start..(i - 1)]);
        return (options, i);
    }

    /// <summary>Splits a name on '/', except where the '/' follows a '\'; a trailing '/' yields an empty last component.</summary>
    private static ArraySegment<string> SplitName(string name)
    {
        var components = new List<string>();
        var start = 0;
        while (true)
        {
            var slash = IndexOfUnescaped(name[start..], '/');
            if (slash == -1)
            {
                components.Add(name[start..]);
                return components.ToArray();
            }

            components.Add(name.Substring(start, slash));
            start += slash + 1;
        }
    }

    /// <summary>The first <paramref name="c"/> not directly preceded by a '\'.</summary>
    private static int IndexOfUnescaped(string text, char c)
    {
        var offset = 0;
        while (true)
        {
            var at = text.IndexOf(c, offset);
            if (at <= 0 || text[at - 1] != '\\')
            {
                return at;
            }

            offset = at + 1;
        }
    }

    private sealed class BadPatternException : Exception;
}
