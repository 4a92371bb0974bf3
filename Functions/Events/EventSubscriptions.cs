using System.Text.Json;
using Azure;
using Functions.Storage;

namespace Functions.Events;

/// <summary>Reads and writes a tenant's subscriptions; changes are optimistic (ETag) and retried on a concurrent change.</summary>
public sealed class EventSubscriptions(ITableStore tables, IQueueStore queues, TimeProvider time)
{
    /// <summary>The tenant's subscriptions, oldest first (<paramref name="includeDeleted"/>: also those deleted but not yet purged).</summary>
    public async Task<IReadOnlyList<EventSubscription>> ListAsync(string tenantId, CancellationToken cancellationToken, bool includeDeleted = false)
    {
        var rows = await tables.QueryAllAsync(EventSubscription.Table, new TableQuery(tenantId), cancellationToken);
        return [.. rows.Select(EventSubscription.FromEntity).Where(s => includeDeleted || s.DeletedOn is null)
            .OrderBy(s => s.CreatedOn).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    public async Task<EventSubscription?> FindAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        EventSubscription.IsValidId(id) && await tables.GetEntityIfExistsAsync(EventSubscription.Table, tenantId, id, cancellationToken) is { } row
            && EventSubscription.FromEntity(row) is { DeletedOn: null } found
            ? found
            : null;

    /// <summary>Stores a new subscription with a new secret; null when the tenant has the most it may have.</summary>
    public async Task<EventSubscription?> CreateAsync(string tenantId, string url, IReadOnlyList<string> types, bool enabled, string? description, CancellationToken cancellationToken)
    {
        if ((await ListAsync(tenantId, cancellationToken)).Count >= EventSubscription.MaxPerTenant)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var subscription = new EventSubscription(EventSubscription.NewId(), url, types, enabled, description, EventSubscription.NewSecret(), now, now);
        await tables.InsertAsync(EventSubscription.Table, subscription.ToEntity(tenantId), cancellationToken);
        // Counted again after the write: a create that raced another past the count finds one too many and takes its own back
        // (the limit holds; at worst both are refused and may try again).
        if ((await ListAsync(tenantId, cancellationToken)).Count > EventSubscription.MaxPerTenant)
        {
            await tables.DeleteAsync(EventSubscription.Table, tenantId, subscription.Id, ETag.All, cancellationToken);
            return null;
        }
        return subscription;
    }

    /// <summary>Applies <paramref name="change"/> to the stored subscription and writes it; null when there is none (or it is deleted).</summary>
    public async Task<EventSubscription?> UpdateAsync(string tenantId, string id, Func<EventSubscription, EventSubscription> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!EventSubscription.IsValidId(id) || await tables.GetEntityIfExistsAsync(EventSubscription.Table, tenantId, id, cancellationToken) is not { } row
                || row.GetDateTimeOffset("DeletedOn") is not null)
            {
                return null;
            }
            var updated = change(EventSubscription.FromEntity(row)) with { UpdatedOn = time.GetUtcNow() };
            try
            {
                await tables.ReplaceAsync(EventSubscription.Table, updated.ToEntity(tenantId), row.ETag, cancellationToken);
                return updated;
            }
            catch (RequestFailedException ex) when (attempt < 5 && (StorageErrorCodes.IsPreconditionFailed(ex) || StorageErrorCodes.IsNotFound(ex)))
            {
                // Changed (or deleted) meanwhile: apply the change again to what is there now.
            }
        }
    }

    /// <summary>A new secret; the previous one keeps signing for <see cref="EventSubscription.PreviousSecretLifetime"/>.</summary>
    public Task<EventSubscription?> RotateSecretAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        UpdateAsync(tenantId, id, s => s with
        {
            Secret = EventSubscription.NewSecret(),
            PreviousSecret = s.Secret,
            PreviousSecretExpiresOn = time.GetUtcNow() + EventSubscription.PreviousSecretLifetime,
        }, cancellationToken);

    /// <summary>
    /// Deletes the subscription: at once for the API, the fan-out and its pending deliveries (they
    /// find it gone); its delivery log is removed by the purge timer. False when there is none.
    /// </summary>
    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        await UpdateAsync(tenantId, id, s => s with { Enabled = false, DeletedOn = time.GetUtcNow() }, cancellationToken) is not null;

    /// <summary>A subscription's deliveries, newest event first, a page at a time.</summary>
    /// <exception cref="ArgumentException">The continuation token is not one this store gave.</exception>
    public async Task<(IReadOnlyList<EventDelivery> Deliveries, string? ContinuationToken)> ListDeliveriesAsync(
        string tenantId, string subscriptionId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(EventDelivery.Table, new TableQuery(EventDelivery.Partition(tenantId, subscriptionId)) { Top = pageSize },
            continuationToken, cancellationToken);
        return ([.. page.Entities.Select(EventDelivery.FromEntity)], page.ContinuationToken);
    }

    /// <summary>At most this many attempts in one delivery's log, redeliveries included.</summary>
    public const int MaxAttemptsLogged = 100;

    /// <summary>
    /// Sends a delivered or failed event again to its subscription, through the whole retry
    /// schedule (the log keeps the earlier attempts). The work item is queued before the row says
    /// so, so a failure in between leaves nothing stuck.
    /// </summary>
    public async Task<(RedeliveryOutcome Outcome, EventDelivery? Delivery)> RedeliverAsync(string tenantId, string subscriptionId, string eventId, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenantId, subscriptionId, cancellationToken) is not { } subscription
            || !TenantEvents.IsValidId(eventId)
            || await tables.GetEntityIfExistsAsync(StoredEvent.Table, tenantId, eventId, cancellationToken) is not { } stored
            || await tables.GetEntityIfExistsAsync(EventDelivery.Table, EventDelivery.Partition(tenantId, subscriptionId),
                EventDelivery.RowKeyFor(StoredEvent.FromEntity(stored).At, eventId), cancellationToken) is not { } row)
        {
            return (RedeliveryOutcome.NotFound, null);
        }
        var delivery = EventDelivery.FromEntity(row);
        if (!subscription.Enabled)
        {
            return (RedeliveryOutcome.Disabled, delivery);
        }
        if (delivery.State == DeliveryState.Pending)
        {
            return (RedeliveryOutcome.Pending, delivery);
        }
        if (delivery.Attempts.Count >= MaxAttemptsLogged)
        {
            return (RedeliveryOutcome.TooManyAttempts, delivery);
        }
        var next = delivery.Attempts.Count + 1;
        var now = time.GetUtcNow();
        var again = delivery with { State = DeliveryState.Pending, NextAttemptAt = now, CompletedOn = null, RunStart = next, ClaimedAttempt = null, ClaimedAt = null };
        await queues.SendAsync(FanOutEventHandler.DeliveryQueue,
            JsonSerializer.Serialize(new DeliveryWork(tenantId, subscriptionId, delivery.RowKey, next), JsonSerializerOptions.Web), cancellationToken: cancellationToken);
        try
        {
            await tables.ReplaceAsync(EventDelivery.Table, again.ToEntity(tenantId, subscriptionId), row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsPreconditionFailed(ex))
        {
            return (RedeliveryOutcome.Pending, delivery); // redelivered by someone else just now (the extra work item finds it under way)
        }
        return (RedeliveryOutcome.Queued, again);
    }
}

public enum RedeliveryOutcome
{
    Queued,
    NotFound,
    Pending,
    Disabled,
    TooManyAttempts,
}
