using Berth.Jobs;
using Microsoft.Extensions.Options;

namespace Berth.Distribution.Uploads;

/// <summary>Keeps the <c>upload-purge</c> schedule in step with <see cref="UploadPurgeOptions"/> when Berth starts.</summary>
public sealed class UploadPurgeSchedule(IServiceScopeFactory scopes, IOptions<UploadPurgeOptions> options) : IHostedService
{
    public const string Name = "upload-purge";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var schedules = scope.ServiceProvider.GetRequiredService<ScheduleStore>();
        if (options.Value.Enabled)
        {
            await schedules.EnsureAsync(Name, null, options.Value.Interval, UploadPurgeJobHandler.JobKind, "{}", null, cancellationToken);
        }
        else
        {
            await schedules.RemoveAsync(Name, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
