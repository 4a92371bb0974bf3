using System.Text.Json;
using Azure;
using Functions.Hosting;
using Functions.Storage;

namespace Functions.Events;

/// <summary>
/// The work item for one attempt of one delivery: which delivery row, which attempt, and how
/// often it found the row not yet written for it (<see cref="Recheck"/>).
/// </summary>
public sealed record DeliveryWork(string Tenant, string SubscriptionId, string RowKey, int Attempt, int Recheck = 0);

/// <summary>
/// Stores a published event and queues one delivery per subscription that wants it (an event
/// nobody wants is dropped, not stored). Safe to run
/// again for the same event id (a redelivered work item, or the same fact published twice): the
/// event row and each delivery row are inserted once, and a delivery found not yet started is
/// queued again (a second work item for an attempt posts nothing: the attempt is claimed).
/// </summary>
public sealed class FanOutEventHandler(ITableStore tables, IQueueStore queues, EventSubscriptions subscriptions, TimeProvider time, ILogger<FanOutEventHandler> logger)
    : IQueueFunctionHandler
{
    public const string DeliveryQueue = "events-delivery";

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var work = JsonSerializer.Deserialize<EventWork>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The event work item is empty.");
        var wanting = (await subscriptions.ListAsync(work.Tenant, cancellationToken)).Where(s => s.Wants(work.Type)).ToList();
        if (wanting.Count == 0)
        {
            return; // nobody listens: nothing is stored (most tenants subscribe to little or nothing)
        }
        var stored = new StoredEvent(work.Id, work.Type, work.At, work.Data.GetRawText(), FannedOut: false);
        try
        {
            await tables.InsertAsync(StoredEvent.Table, stored.ToEntity(work.Tenant), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            // Published before: the first publish's time and data stand.
            var existing = await tables.GetEntityIfExistsAsync(StoredEvent.Table, work.Tenant, work.Id, cancellationToken);
            if (existing is null || StoredEvent.FromEntity(existing) is { FannedOut: true })
            {
                return;
            }
            stored = StoredEvent.FromEntity(existing);
        }

        foreach (var subscription in wanting)
        {
            await QueueDeliveryAsync(work.Tenant, subscription.Id, stored, cancellationToken);
        }
        await tables.MergeAsync(StoredEvent.Table, new TableEntity(work.Tenant, stored.Id) { ["FannedOut"] = true, ["Deliveries"] = wanting.Count }, ETag.All, cancellationToken);
        logger.LogInformation("Event {EventId} ({Type}) of tenant {Tenant}: {Count} deliveries", stored.Id, stored.Type, work.Tenant, wanting.Count);
    }

    private async Task QueueDeliveryAsync(string tenant, string subscriptionId, StoredEvent stored, CancellationToken cancellationToken)
    {
        var delivery = new EventDelivery(stored.Id, stored.Type, stored.At, DeliveryState.Pending, [], time.GetUtcNow());
        try
        {
            await tables.InsertAsync(EventDelivery.Table, delivery.ToEntity(tenant, subscriptionId), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            var existing = await tables.GetEntityIfExistsAsync(EventDelivery.Table, EventDelivery.Partition(tenant, subscriptionId), delivery.RowKey, cancellationToken);
            if (existing is null || EventDelivery.FromEntity(existing) is not { State: DeliveryState.Pending, Attempts.Count: 0, ClaimedAttempt: null })
            {
                return; // under way or done: its own work items carry it on
            }
        }
        // After the row: a crash in between leaves this work item to come back and queue it.
        await queues.SendAsync(DeliveryQueue, JsonSerializer.Serialize(new DeliveryWork(tenant, subscriptionId, delivery.RowKey, 1), JsonSerializerOptions.Web),
            cancellationToken: cancellationToken);
    }
}
