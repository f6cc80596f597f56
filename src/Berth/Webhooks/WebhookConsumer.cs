using System.Text.Json;
using Berth.Data;
using Berth.Events;
using Berth.Jobs;
using Berth.Settings;
using Microsoft.EntityFrameworkCore;

namespace Berth.Webhooks;

/// <summary>Turns an event into deliveries: for each enabled policy of its project that subscribes to its type, an execution with one task (and job) per target.</summary>
/// <remarks>
/// Runs in the dispatcher's transaction, so an event's executions and jobs exist exactly once. The body is rendered now,
/// so every retry sends the same one. Nothing is sent while the configuration <c>notification_enable</c> is false.
/// </remarks>
public sealed class WebhookConsumer(BerthDbContext db, WebhookPolicyStore policies, ExecutionStore executions, SettingsStore settings,
    RegistryAddress registry) : IEventConsumer
{
    public const string VendorType = "WEBHOOK";
    public const string EventTrigger = "EVENT";

    public async Task HandleAsync(DispatchedEvent dispatched, CancellationToken cancellationToken)
    {
        if (!EventTypes.CloudEventTypes.ContainsKey(dispatched.Type) || dispatched.Project is not { } project)
        {
            return;
        }

        var subscribed = (await policies.ListAsync(project.Id, cancellationToken))
            .Where(p => p.Enabled && p.EventTypes.Contains(dispatched.Type)).ToList();
        if (subscribed.Count == 0 || !(await settings.GetAsync(cancellationToken)).NotificationEnable)
        {
            return;
        }

        var repository = dispatched.Data.Repository is { } name
            ? new PayloadRepository(await db.Repositories.AsNoTracking().Where(r => r.Name == name).Select(r => (DateTime?)r.CreatedAt)
                .FirstOrDefaultAsync(cancellationToken))
            : null;
        var host = registry.Host;
        foreach (var occurrence in dispatched.Occurrences())
        {
            await DeliverAsync(occurrence, subscribed, repository, host, project.Id, cancellationToken);
        }
    }

    /// <summary>One execution per policy for one event (a grouped event's each occurrence gets its own, as each pull does in Harbor).</summary>
    private async Task DeliverAsync(DispatchedEvent dispatched, List<WebhookPolicy> subscribed, PayloadRepository? repository, string host, long projectId,
        CancellationToken cancellationToken)
    {
        var payload = WebhookPayloads.Default(dispatched, repository, host);
        foreach (var policy in subscribed)
        {
            var tasks = policy.Targets.Select(target => new TaskStart(
                WebhookJobHandler.JobKind,
                JobJson.Serialize(new WebhookDelivery
                {
                    PolicyId = policy.Id,
                    Address = target.Address,
                    PayloadFormat = target.PayloadFormat,
                    ContentType = target.PayloadFormat == WebhookTarget.CloudEventsFormat ? WebhookPayloads.CloudEventsContentType : WebhookPayloads.JsonContentType,
                    Body = target.PayloadFormat == WebhookTarget.CloudEventsFormat
                        ? WebhookPayloads.CloudEvent(dispatched, repository, host, projectId, policy.Id)
                        : payload,
                }),
                JobJson.Serialize(new Dictionary<string, object?> { ["address"] = target.Address, ["type"] = target.Type, ["payload_format"] = target.PayloadFormat })))
                .ToList();
            var attributes = JobJson.Serialize(new Dictionary<string, object?>
            {
                ["event_type"] = dispatched.Type,
                ["payload"] = JsonSerializer.Deserialize<JsonElement>(payload),
            });
            await executions.StartAsync(VendorType, policy.Id, EventTrigger, attributes, tasks, null, cancellationToken);
        }
    }
}
