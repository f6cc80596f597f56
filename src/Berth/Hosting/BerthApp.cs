using System.Threading.RateLimiting;
using Berth.Api;
using Berth.Artifacts;
using Berth.Audit;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Postgres;
using Berth.Data.Sqlite;
using Berth.Distribution;
using Berth.Events;
using Berth.Gc;
using Berth.Jobs;
using Berth.Labels;
using Berth.Metrics;
using Berth.Projects;
using Berth.Projects.Immutability;
using Berth.Retention;
using Berth.Robots;
using Berth.Settings;
using Berth.Storage;
using Berth.Storage.Drivers.Filesystem;
using Berth.Storage.Drivers.S3;
using Berth.SystemInfo;
using Berth.Users;
using Berth.Webhooks;
using Microsoft.AspNetCore.Connections;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Berth.Hosting;

/// <summary>Composes the ASP.NET host from configuration: storage, metadata and the features' endpoints.</summary>
public static class BerthApp
{
    public static WebApplication Build(IConfiguration configuration)
    {
        // The host's default appsettings.json sources watch their directory, the working directory, recursively, and the
        // watcher outlives the sources cleared below: with the default ./data under it, every blob written would wake a
        // watcher thread, and every blob directory would take one of the kernel's limited inotify watches. Berth reads
        // its configuration once (BerthConfiguration), so nothing is watched.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The key ring lives in the database beside the token-signing keys, readable to whoever can read the database, as
        // they are; the key manager's warning that it is not encrypted would be repeated by every replica at every start.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        var server = configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        if (!ListenAddress.TryParse(server.Listen, out var listen))
        {
            throw new OptionsValidationException(ServerOptions.Section, typeof(ServerOptions),
                [$"Server:Listen '{server.Listen}' is not HOST:PORT (for example 127.0.0.1:5000)"]);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(listen.Address, listen.Port);
            kestrel.AddServerHeader = false;
            // Blobs stream through uploads of any size; manifests are capped where they are read.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        var services = builder.Services;
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
        services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DistributionOptions>().BindConfiguration(DistributionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var dataDirectory = Path.GetFullPath(server.DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        AddStorage(services, configuration, dataDirectory);

        AddDatabase(services, configuration, dataDirectory);
        services.AddDistribution(configuration);
        services.AddJobs(configuration);
        services.AddEvents(configuration);
        services.AddScoped<IEventConsumer, AuditLogConsumer>();
        services.AddWebhooks();
        services.AddGc();
        services.AddRetention();
        services.AddImmutability();
        services.AddAuth();
        services.AddScoped<ProjectService>();
        services.AddScoped<QuotaService>();
        services.AddScoped<TransientRetry>();
        services.AddScoped<ProjectMetadataStore>();
        services.AddScoped<UserService>();
        services.AddScoped<RobotService>();
        services.AddSingleton<SettingsStore>();
        services.AddArtifacts();
        services.AddLabels();
        services.AddBerthMetrics();
        var rateLimited = AddRateLimiting(services, configuration);

        var app = builder.Build();
        app.UseMetrics();
        app.UseUnavailable();
        app.UseUnmatchedApiErrors();
        app.UseDeferredEvents();
        app.UseMiddleware<CsrfMiddleware>();
        app.UseMiddleware<ReadOnlyMiddleware>();
        app.UseDistribution();
        if (rateLimited)
        {
            // Only when a rate is set: ASP.NET Core's middleware always builds a partitioned limiter for endpoint
            // policies, whose timer wakes a thread-pool thread ten times a second, even with nothing to limit.
            app.UseRateLimiter();
        }

        app.MapDistribution();
        app.MapTokenService();
        app.MapLogin();
        app.MapSystem();
        app.MapProjects();
        app.MapQuotas();
        app.MapUsers();
        app.MapRobots();
        app.MapMembers();
        app.MapImmutableTagRules();
        app.MapGc();
        app.MapConfigurations();
        app.MapRetentions();
        app.MapArtifactApi();
        app.MapLabels();
        app.MapMetrics();
        app.MapAuditLogs();
        app.MapWebhooks();
        // Made now, so that a store's settings are logged (and its credentials read) when Berth starts, not on first use.
        _ = app.Services.GetRequiredService<IStorageDriver>();
        return app;
    }

    /// <summary>Applies pending migrations and the database file's settings; <c>berth serve</c> and <c>berth migrate</c> call it.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        if (db.Database.IsSqlite())
        {
            await SqliteDatabase.ConfigureFileAsync(db, cancellationToken);
        }

        // EF reads the migrations history before it creates the history table, and logs that read's failure on a fresh
        // PostgreSQL database as an error ("fail: … Failed executing DbCommand"): an operator's first start would show one.
        // The table is made first (CREATE TABLE IF NOT EXISTS, safe for replicas starting together).
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>The blob store <c>Storage:Driver</c> names, behind the path-checking decorator.</summary>
    /// <remarks>S3 settings and credentials are checked here, so that a mistake stops startup with one clear line.</remarks>
    private static void AddStorage(IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddOptions<FilesystemStorageOptions>().BindConfiguration(FilesystemStorageOptions.Section);
        switch (storage.Driver.Trim().ToLowerInvariant())
        {
            case StorageOptions.Filesystem:
                services.AddSingleton<IStorageDriver>(sp =>
                {
                    var root = sp.GetRequiredService<IOptions<FilesystemStorageOptions>>().Value.RootDirectory;
                    var directory = string.IsNullOrEmpty(root) ? Path.Join(dataDirectory, "storage") : Path.GetFullPath(root);
                    return new PathCheckingStorageDriver(new FilesystemStorageDriver(directory));
                });
                break;
            case StorageOptions.S3:
                var s3 = configuration.GetSection(S3StorageOptions.Section).Get<S3StorageOptions>() ?? new S3StorageOptions();
                if (s3.Validate() is { Count: > 0 } errors)
                {
                    throw new OptionsValidationException(S3StorageOptions.Section, typeof(S3StorageOptions), errors);
                }

                try
                {
                    _ = S3Credentials.Resolve(s3);
                }
                catch (StorageConfigurationException ex)
                {
                    throw new OptionsValidationException(S3StorageOptions.Section, typeof(S3StorageOptions), [ex.Message]);
                }

                // Registered on its own so that the container disposes it (and its HTTP client) at shutdown.
                services.AddSingleton(sp => S3StorageDriver.Create(s3, sp.GetRequiredService<ILogger<S3StorageDriver>>()));
                services.AddSingleton<IStorageDriver>(sp => new PathCheckingStorageDriver(sp.GetRequiredService<S3StorageDriver>()));
                break;
            default:
                throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    [$"Storage:Driver '{storage.Driver}' is neither {StorageOptions.Filesystem} nor {StorageOptions.S3}"]);
        }
    }

    /// <summary>PostgreSQL when <c>Database:Url</c> names one (replicas share it), else SQLite in the data directory (one process).</summary>
    private static void AddDatabase(IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        var url = configuration[DatabaseOptions.UrlKey];
        if (string.IsNullOrEmpty(url))
        {
            var connectionString = SqliteDatabase.ConnectionString(Path.Join(dataDirectory, "berth.db"));
            services.AddDbContextPool<BerthDbContext>(options => options.UseBerthSqlite(connectionString));
            return;
        }

        string postgres;
        try
        {
            postgres = PostgresDatabase.ConnectionString(url);
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException(DatabaseOptions.UrlKey, typeof(string), [$"{DatabaseOptions.UrlKey}: {e.Message}"]);
        }

        // Made by the container so that it is disposed with it, closing the pool's connections.
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        services.AddDbContextPool<BerthDbContext>((provider, options) => options.UseBerthPostgres(provider.GetRequiredService<NpgsqlDataSource>()));
    }

    private static bool AddRateLimiting(IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (limits.RequestsPerSecond <= 0)
        {
            return false;
        }

        services.AddRateLimiter(options =>
        {
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await OciResults.WriteErrorAsync(context.HttpContext, Oci.OciError.Of(Oci.ErrorCode.TooManyRequests,
                    "too many requests from this client; retry after the time in Retry-After"));
            };
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !context.Request.Path.StartsWithSegments("/v2")
                    ? RateLimitPartition.GetNoLimiter("")
                    : RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "", _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst > 0 ? limits.Burst : limits.RequestsPerSecond,
                        TokensPerPeriod = limits.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
        });
        return true;
    }
}
