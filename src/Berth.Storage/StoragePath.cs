namespace Berth.Storage;

/// <summary>The path grammar of <see cref="IStorageDriver"/>: absolute, '/'-separated, <c>[A-Za-z0-9._-]</c>.</summary>
public static class StoragePath
{
    /// <summary>Whether <paramref name="path"/> is "/" or a sequence of "/component" with no dot-only components.</summary>
    public static bool IsValid(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Length > 1024)
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        if (path[^1] == '/')
        {
            return false;
        }

        var componentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                if (!IsAllowed(path[i]))
                {
                    return false;
                }

                continue;
            }

            var component = path.AsSpan(componentStart, i - componentStart);
            if (component.IsEmpty || component is "." || component is "..")
            {
                return false;
            }

            componentStart = i + 1;
        }

        return true;
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
