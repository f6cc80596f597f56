using System.Globalization;
using System.Text.Json;
using Berth.Api;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.Settings;

/// <summary>The settings of <c>/api/v2.0/configurations</c>, kept in the database so every replica shares them.</summary>
/// <remarks>
/// Each replica reads them at most every <see cref="Lifetime"/>, so a change (read-only mode above all) reaches every
/// replica within that time, and the replica that made it at once. Only keys whose effect Berth implements are
/// accepted; the rest of Harbor's keys (LDAP, OIDC, …) answer 400 until their features exist.
/// </remarks>
public sealed class SettingsStore(IServiceScopeFactory scopes, IOptions<AuthOptions> auth, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private const int MaxMinutes = 525_600;
    private volatile Cached? _cached;

    public const string AuthMode = "auth_mode";
    public const string NotificationEnable = "notification_enable";
    public const string PullAuditLogDisable = "pull_audit_log_disable";
    public const string ProjectCreationRestriction = "project_creation_restriction";
    public const string ReadOnly = "read_only";
    public const string RobotNamePrefix = "robot_name_prefix";
    public const string RobotTokenDuration = "robot_token_duration";
    public const string TokenExpiration = "token_expiration";
    public const string SessionTimeout = "session_timeout";
    public const string QuotaPerProjectEnable = "quota_per_project_enable";
    public const string StoragePerProject = "storage_per_project";

    /// <summary>The keys this store knows, in the order <c>GET</c> lists them.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        [AuthMode, NotificationEnable, ProjectCreationRestriction, PullAuditLogDisable, QuotaPerProjectEnable, ReadOnly, RobotNamePrefix,
            RobotTokenDuration, SessionTimeout, StoragePerProject, TokenExpiration];

    public async Task<SystemSettings> GetAsync(CancellationToken cancellationToken)
    {
        // Requests racing at expiry may each read once; the reads are small and the last one wins.
        if (_cached is { } cached && cached.Until > clock.GetUtcNow().UtcDateTime)
        {
            return cached.Settings;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var stored = await db.Configurations.AsNoTracking().ToDictionaryAsync(c => c.Key, c => c.Value, StringComparer.Ordinal, cancellationToken);
        var settings = Read(stored);
        _cached = new Cached(settings, clock.GetUtcNow().UtcDateTime + Lifetime);
        return settings;
    }

    /// <summary>The settings as Harbor's <c>ConfigurationsResponse</c> shows them: each key's typed value and whether it may change.</summary>
    public async Task<IReadOnlyList<(string Key, object Value, bool Editable)>> DescribeAsync(CancellationToken cancellationToken)
    {
        var settings = await GetAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        // As in Harbor, the authentication mode is fixed once anyone but the administrator has an account.
        var othersExist = await db.Users.AnyAsync(u => u.Username != "admin", cancellationToken);
        return
        [
            (AuthMode, "db_auth", !othersExist),
            (NotificationEnable, settings.NotificationEnable, true),
            (ProjectCreationRestriction, settings.ProjectCreationRestriction, true),
            (PullAuditLogDisable, settings.PullAuditLogDisable, true),
            (QuotaPerProjectEnable, settings.QuotaPerProjectEnabled, true),
            (ReadOnly, settings.ReadOnly, true),
            (RobotNamePrefix, RobotNames.Prefix, false),
            (RobotTokenDuration, settings.RobotTokenDurationDays, true),
            (SessionTimeout, (long)Math.Ceiling(settings.SessionTimeout.TotalMinutes), true),
            (StoragePerProject, settings.StoragePerProject, true),
            (TokenExpiration, (long)Math.Ceiling(settings.TokenExpiration.TotalMinutes), true),
        ];
    }

    /// <summary>Applies a <c>PUT</c>: every key is checked before any is written, so a bad request changes nothing.</summary>
    public async Task UpdateAsync(JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("the configurations must be a JSON object");
        }

        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue; // Harbor's clients send null for "leave as it is"
            }

            changes[property.Name] = Validate(property.Name, property.Value);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (key, value) in changes)
        {
            var entry = await db.Configurations.FirstOrDefaultAsync(c => c.Key == key, cancellationToken);
            if (entry is null)
            {
                db.Configurations.Add(new ConfigurationEntry { Key = key, Value = value, UpdatedAt = now });
            }
            else
            {
                entry.Value = value;
                entry.UpdatedAt = now;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _cached = null;
    }

    /// <summary>The stored JSON for a valid value of <paramref name="key"/>, or Harbor's 400.</summary>
    private static string Validate(string key, JsonElement value)
    {
        switch (key)
        {
            case AuthMode:
                return value.ValueKind == JsonValueKind.String && value.GetString() == "db_auth"
                    ? JsonSerializer.Serialize("db_auth")
                    : throw ApiException.BadRequest("auth_mode: only db_auth (local accounts) is supported so far");
            case ProjectCreationRestriction:
                return value.ValueKind == JsonValueKind.String && value.GetString() is SystemSettings.Everyone or SystemSettings.AdminOnly
                    ? JsonSerializer.Serialize(value.GetString())
                    : throw ApiException.BadRequest("project_creation_restriction must be everyone or adminonly");
            case ReadOnly or QuotaPerProjectEnable or NotificationEnable or PullAuditLogDisable:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? (value.GetBoolean() ? "true" : "false")
                    : throw ApiException.BadRequest($"{key} must be true or false");
            case StoragePerProject:
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var limit) && Projects.QuotaService.IsValidLimit(limit)
                    ? limit.ToString(CultureInfo.InvariantCulture)
                    : throw ApiException.BadRequest($"storage_per_project must be -1 (no limit) or from 1 to {SystemSettings.MaxStorageLimit} bytes");
            case RobotNamePrefix:
                return value.ValueKind == JsonValueKind.String && value.GetString() == RobotNames.Prefix
                    ? JsonSerializer.Serialize(RobotNames.Prefix)
                    : throw ApiException.BadRequest($"robot_name_prefix cannot be changed from {RobotNames.Prefix} yet");
            case RobotTokenDuration:
                return Positive(key, value, int.MaxValue);
            case TokenExpiration or SessionTimeout:
                return Positive(key, value, MaxMinutes);
            default:
                throw ApiException.BadRequest($"{key} is not a configuration Berth supports yet");
        }
    }

    private static string Positive(string key, JsonElement value, long max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number > 0 && number <= max
            ? number.ToString(CultureInfo.InvariantCulture)
            : throw ApiException.BadRequest($"{key} must be a whole number from 1 to {max}");

    private sealed record Cached(SystemSettings Settings, DateTime Until);

    private SystemSettings Read(Dictionary<string, string> stored)
    {
        string Text(string key, string fallback) => stored.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<string>(json) ?? fallback : fallback;
        long Number(string key, long fallback) =>
            stored.TryGetValue(key, out var json) && long.TryParse(json, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;

        var options = auth.Value;
        return new SystemSettings(
            ReadOnly: stored.TryGetValue(ReadOnly, out var readOnly) && readOnly == "true",
            ProjectCreationRestriction: Text(ProjectCreationRestriction, SystemSettings.Everyone),
            RobotTokenDurationDays: Number(RobotTokenDuration, 30),
            TokenExpiration: stored.ContainsKey(TokenExpiration) ? TimeSpan.FromMinutes(Number(TokenExpiration, 30)) : options.TokenLifetime,
            SessionTimeout: stored.ContainsKey(SessionTimeout) ? TimeSpan.FromMinutes(Number(SessionTimeout, 60)) : options.SessionTimeout,
            QuotaPerProjectEnabled: !(stored.TryGetValue(QuotaPerProjectEnable, out var quotas) && quotas == "false"),
            StoragePerProject: Number(StoragePerProject, -1))
        {
            NotificationEnable = !stored.TryGetValue(NotificationEnable, out var notify) || notify != "false",
            PullAuditLogDisable = stored.TryGetValue(PullAuditLogDisable, out var pullAudit) && pullAudit == "true",
        };
    }
}
