using System.Security.Cryptography;

namespace Berth.Auth;

/// <summary>How robot accounts are named and what their secrets look like, as Harbor has them.</summary>
public static class RobotNames
{
    /// <summary>Harbor's default <c>robot_name_prefix</c>: every robot's full name starts with it.</summary>
    public const string Prefix = "robot$";

    /// <summary>The stored name: <c>&lt;project&gt;+&lt;name&gt;</c> for a project robot, <c>&lt;name&gt;</c> for a system one.</summary>
    public static string Stored(string name, string? project) => project is null ? name : project + "+" + name;

    public static string Full(string stored) => Prefix + stored;

    /// <summary>A new secret: 32 characters with upper- and lower-case letters and digits, from a CSPRNG.</summary>
    public static string GenerateSecret()
    {
        const string upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower = "abcdefghijklmnopqrstuvwxyz", digits = "0123456789";
        const string all = upper + lower + digits;
        var chars = new char[32];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }

        // Harbor's secret rule needs one of each class; place them at random positions.
        chars[0] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[1] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    /// <summary>Harbor's rule for a secret someone chooses: 8 to 128 characters with an upper-case letter, a lower-case one and a digit.</summary>
    public static bool IsStrongSecret(string secret) =>
        secret.Length is >= 8 and <= 128 && secret.Any(char.IsAsciiLetterUpper) && secret.Any(char.IsAsciiLetterLower) && secret.Any(char.IsAsciiDigit);
}
