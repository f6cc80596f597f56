using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Berth.Auth;

/// <summary>One entry of a token's <c>access</c> claim: what it allows on one resource.</summary>
public sealed record TokenAccess(string Type, string Name, IReadOnlyList<string> Actions);

public sealed record IssuedToken(string Token, int ExpiresIn, DateTime IssuedAt);

/// <summary>A token that passed validation: who it was issued to and what it allows.</summary>
public sealed record ValidatedToken(string Subject, IReadOnlyList<TokenAccess> Access, DateTime IssuedAt, DateTime Expires)
{
    /// <summary>The actions the token allows on repository <paramref name="name"/>, exactly that name.</summary>
    public IReadOnlySet<string> RepositoryActions(string name) => Access
        .Where(a => a.Type == "repository" && string.Equals(a.Name, name, StringComparison.Ordinal))
        .SelectMany(a => a.Actions).ToHashSet(StringComparer.Ordinal);
}

/// <summary>Issues and validates the registry's bearer tokens (the Docker registry token protocol), as Harbor shapes them.</summary>
/// <remarks>
/// RS256 only, with this installation's keys only: validation pins the algorithm, issuer, audience, expiry and
/// not-before (60 s skew), and never takes a key from the token itself (<c>jwk</c>, <c>jku</c>, <c>x5u</c>, <c>x5c</c> are
/// ignored). Unsigned tokens, other algorithms and other keys fail.
/// </remarks>
public sealed class TokenService(SigningKeyStore keys, IOptions<AuthOptions> options, Settings.SettingsStore systemSettings, TimeProvider clock)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);
    private const int MaxCachedTokens = 10_000;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>
    /// Tokens already validated, until they expire: a client sends the same token with every request of a pull, and
    /// checking an RSA signature each time is work that can be done once. Keyed by the whole token, so an edited
    /// token is a different key and is validated afresh.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ValidatedToken Token, DateTime ValidUntil)> _validated =
        new(StringComparer.Ordinal);

    public async Task<IssuedToken> IssueAsync(Subject subject, IReadOnlyList<TokenAccess> access, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var lifetime = (await systemSettings.GetAsync(cancellationToken)).TokenExpiration;
        var key = await keys.SigningKeyAsync(cancellationToken);
        var now = DateTime.SpecifyKind(clock.GetUtcNow().UtcDateTime, DateTimeKind.Utc);
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Service,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject.Name,
                ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                ["access"] = access.Select(a => new Dictionary<string, object>
                {
                    ["type"] = a.Type,
                    ["name"] = a.Name,
                    ["actions"] = a.Actions.ToList(),
                }).ToList(),
            },
        };
        return new IssuedToken(_handler.CreateToken(descriptor), (int)lifetime.TotalSeconds, now);
    }

    /// <summary>The token's grants, or null when it is not a valid token of this installation.</summary>
    public async Task<ValidatedToken?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var cached))
        {
            if (now < cached.ValidUntil)
            {
                return cached.Token;
            }

            _validated.TryRemove(token, out _);
        }

        var validated = await ValidateUncachedAsync(token, cancellationToken);
        if (validated is not null)
        {
            if (_validated.Count >= MaxCachedTokens)
            {
                _validated.Clear();
            }

            _validated[token] = (validated, validated.Expires + Skew);
        }

        return validated;
    }

    private async Task<ValidatedToken?> ValidateUncachedAsync(string token, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Service,
            IssuerSigningKeys = await keys.KeysAsync(cancellationToken),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            TryAllIssuerSigningKeys = true,
            ClockSkew = Skew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return notBefore is { } nbf && nbf.ToUniversalTime() - Skew <= now && expires is { } exp && now < exp.ToUniversalTime() + Skew;
            },
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        using var payload = JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload)));
        var root = payload.RootElement;
        var access = new List<TokenAccess>();
        if (root.TryGetProperty("access", out var entries) && entries.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in entries.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object
                    && entry.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                    && entry.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && entry.TryGetProperty("actions", out var actions) && actions.ValueKind == JsonValueKind.Array)
                {
                    access.Add(new TokenAccess(type.GetString()!, name.GetString()!,
                        actions.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList()));
                }
            }
        }

        var subject = root.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString()! : "";
        return new ValidatedToken(subject, access, jwt.IssuedAt, jwt.ValidTo);
    }
}
