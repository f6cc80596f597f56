using Berth.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace Berth.Auth;

/// <summary>Salted, slow password hashes (ASP.NET Core's PBKDF2 hasher), compared in constant time.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<User> Hasher = new();

    /// <summary>A hash of a password nobody knows, to spend the same time on unknown users as on known ones.</summary>
    private static readonly string DecoyHash = Hasher.HashPassword(null!, Guid.NewGuid().ToString("N"));

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(null!, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>Burns the time one verification takes, for a login whose user does not exist; always false.</summary>
    public static bool VerifyDecoy(string password)
    {
        _ = Verify(DecoyHash, password);
        return false;
    }

    /// <summary>A strong generated password: 24 characters from 18 random bytes.</summary>
    public static string Generate() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
}
