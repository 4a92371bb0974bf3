using Azure;
using Functions.Outbound;
using Functions.Storage;

namespace Functions.Orders;

/// <summary>An event as the order system sent it, checked: what <see cref="OrderStore.RecordAsync"/> takes.</summary>
public sealed record OrderEventInput(
    string EventId,
    string OrderId,
    OrderStatus Status,
    DateTimeOffset OccurredAt,
    string CustomerPhone,
    string? CustomerName,
    string? Language,
    OrderDetails Details,
    string RequestHash);

/// <summary>
/// What recording an event did: the order and the event's history row as stored. <see cref="Replayed"/>
/// when the event id was recorded before (nothing new was written); <see cref="EventIdReused"/>
/// when that earlier event had a different body.
/// </summary>
public sealed record RecordedEvent(Order Order, OrderEvent Event, bool Replayed, bool EventIdReused = false)
{
    /// <summary>The event gave amounts in another currency than the order's: nothing was recorded (an order has one currency).</summary>
    public bool CurrencyConflict { get; init; }
}

/// <summary>
/// A tenant's orders, in table <c>Orders</c>, PartitionKey = tenant (so an event, its order and
/// the order's list entries are written in one transaction):
/// <list type="bullet">
/// <item><c>o:&lt;order id&gt;</c>: the order (<see cref="Order"/>);</item>
/// <item><c>h:&lt;order id&gt;:&lt;sequence&gt;</c>: its history, one row per event in arrival order (<see cref="OrderEvent"/>);</item>
/// <item><c>e:&lt;hash of event id&gt;</c>: which order and history row an event id made (idempotency);</item>
/// <item><c>t:&lt;inverted status time&gt;:&lt;order id&gt;</c> and <c>s:&lt;status&gt;:&lt;inverted status time&gt;:&lt;order id&gt;</c>:
/// list entries (a copy of the order), newest status first, for listing by date and by status;</item>
/// <item><c>p:&lt;received ticks&gt;:&lt;order id&gt;:&lt;sequence&gt;</c>: an event whose notification may not be settled yet,
/// written with the event and deleted with its outcome (<see cref="PendingNotification"/>);</item>
/// <item><c>settings</c>: the tenant's order settings (<see cref="OrderSettings"/>).</item>
/// </list>
/// Writes are optimistic (the order's ETag) and retried on a concurrent change.
/// </summary>
public sealed class OrderStore(ITableStore tables, TimeProvider time)
{
    private const int MaxAttempts = 12;

    private static string EventKey(string eventId) => "e:" + OutboundMessages.Hash(eventId);

    private static string Inverted(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    private static string ListKey(Order order) => $"t:{Inverted(order.StatusAt)}:{order.Id}";

    private static string StatusListKey(Order order) => $"s:{order.Status}:{Inverted(order.StatusAt)}:{order.Id}";

    public async Task<Order?> GetAsync(string tenantId, string orderId, CancellationToken cancellationToken = default) =>
        Order.IsValidId(orderId) && await tables.GetEntityIfExistsAsync(Order.Table, tenantId, Order.RowKey(orderId), cancellationToken) is { } row
            ? Order.FromEntity(row)
            : null;

    /// <summary>The order's events in the order they arrived (each says when it happened and whether it was out of order).</summary>
    public async Task<IReadOnlyList<OrderEvent>> HistoryAsync(string tenantId, string orderId, CancellationToken cancellationToken = default)
    {
        if (!Order.IsValidId(orderId)) return [];
        var rows = await tables.QueryAllAsync(Order.Table, TableQuery.WithRowKeyPrefix(tenantId, OrderEvent.RowKeyPrefix(orderId)), cancellationToken);
        return [.. rows.Select(OrderEvent.FromEntity)];
    }

    /// <summary>The event an event id recorded, if any.</summary>
    public async Task<OrderEvent?> FindEventAsync(string tenantId, string eventId, CancellationToken cancellationToken = default)
    {
        if (await tables.GetEntityIfExistsAsync(Order.Table, tenantId, EventKey(eventId), cancellationToken) is not { } claim) return null;
        return await tables.GetEntityIfExistsAsync(Order.Table, tenantId, claim.GetString("HistoryRowKey") ?? "-", cancellationToken) is { } row
            ? OrderEvent.FromEntity(row)
            : null;
    }

    /// <summary>
    /// Records an event: its event id, its history row and the order in one transaction. An event
    /// not older than the order's status moves the order to it (and its list entries with it); an
    /// older one only joins the history, marked out of order. An event id seen before writes
    /// nothing and answers what it recorded then.
    /// </summary>
    public async Task<RecordedEvent> RecordAsync(string tenantId, OrderEventInput input, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await ReplayAsync(tenantId, input, cancellationToken) is { } replayed) return replayed;

            var now = time.GetUtcNow();
            var row = await tables.GetEntityIfExistsAsync(Order.Table, tenantId, Order.RowKey(input.OrderId), cancellationToken);
            var current = row is null ? null : Order.FromEntity(row);
            var outOfOrder = current is not null && input.OccurredAt < current.StatusAt;
            var sequence = (current?.EventCount ?? 0) + 1;
            var refused = new OrderEvent(input.EventId, input.OrderId, input.Status, input.OccurredAt, now, input.Details, outOfOrder, NotificationOutcome.Pending);
            if (current?.Currency is { } priced && input.Details.Currency is { } given && given != priced)
            {
                // Amounts in two currencies would re-price the items and total already stored.
                return new RecordedEvent(current, refused, Replayed: false) { CurrencyConflict = true };
            }
            var updated = outOfOrder ? current! with { EventCount = sequence, UpdatedOn = now } : Apply(current, input, now) with { EventCount = sequence };
            var recorded = new OrderEvent(input.EventId, input.OrderId, input.Status, input.OccurredAt, now, input.Details, outOfOrder, NotificationOutcome.Pending)
            {
                Sequence = sequence,
                RequestHash = input.RequestHash,
            };

            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Insert, new TableEntity(tenantId, EventKey(input.EventId))
                {
                    ["EventId"] = input.EventId,
                    ["OrderId"] = input.OrderId,
                    ["HistoryRowKey"] = OrderEvent.RowKey(input.OrderId, sequence),
                    ["RequestHash"] = input.RequestHash,
                }),
                new(TableTransactionActionType.Insert, recorded.ToEntity(tenantId)),
                // Found by PendingNotificationsTimer if no request gets as far as settling the notification.
                new(TableTransactionActionType.Insert, PendingNotification.Of(recorded).ToEntity(tenantId)),
                row is null
                    ? new(TableTransactionActionType.Insert, updated.ToEntity(tenantId))
                    : new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), row.ETag),
            };
            if (!outOfOrder)
            {
                foreach (var key in new[] { ListKey(updated), StatusListKey(updated) })
                {
                    actions.Add(new(TableTransactionActionType.UpsertReplace, ListEntry(tenantId, key, updated)));
                }
                if (current is not null)
                {
                    foreach (var old in new[] { ListKey(current), StatusListKey(current) }.Except([ListKey(updated), StatusListKey(updated)]))
                    {
                        actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, old), ETag.All));
                    }
                }
            }
            else
            {
                // The list entries carry the order too: keep their copy's event count in step.
                foreach (var key in new[] { ListKey(updated), StatusListKey(updated) })
                {
                    actions.Add(new(TableTransactionActionType.UpsertReplace, ListEntry(tenantId, key, updated)));
                }
            }
            try
            {
                await tables.SubmitTransactionAsync(Order.Table, actions, cancellationToken);
                return new RecordedEvent(updated, recorded, Replayed: false);
            }
            catch (TableTransactionFailedException ex) when (attempt < MaxAttempts && (ex.Status is 409 or 412 || (ex.Status == 404 && ex.FailedIndex > 3)))
            {
                // The same event id at the same moment (409 on its claim: the replay answers it), or the
                // order changed meanwhile (another event): record again on top of the latest.
                if (ex.FailedIndex != 0) await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    private async Task<RecordedEvent?> ReplayAsync(string tenantId, OrderEventInput input, CancellationToken cancellationToken)
    {
        if (await tables.GetEntityIfExistsAsync(Order.Table, tenantId, EventKey(input.EventId), cancellationToken) is not { } claim) return null;
        var orderId = claim.GetString("OrderId") ?? "";
        var history = await tables.GetEntityIfExistsAsync(Order.Table, tenantId, claim.GetString("HistoryRowKey") ?? "-", cancellationToken);
        var order = await GetAsync(tenantId, orderId, cancellationToken);
        if (history is null || order is null)
        {
            // Written in one transaction with the claim, so both exist; a missing one means the data was changed by hand.
            throw new InvalidOperationException($"Event claim {claim.RowKey} of tenant {tenantId} has no history row or order.");
        }
        return new RecordedEvent(order, OrderEvent.FromEntity(history), Replayed: true, EventIdReused: claim.GetString("RequestHash") != input.RequestHash);
    }

    /// <summary>The order after an event that is not older than its status: the status and whatever details the event gave.</summary>
    private static Order Apply(Order? current, OrderEventInput input, DateTimeOffset now)
    {
        var d = input.Details;
        var order = current ?? new Order(input.OrderId, input.Status, input.OccurredAt, input.CustomerPhone, input.CustomerName, input.Language, [], null, null, now, now);
        return order with
        {
            Status = input.Status,
            StatusAt = input.OccurredAt,
            CustomerPhone = input.CustomerPhone,
            CustomerName = input.CustomerName ?? order.CustomerName,
            Language = input.Language ?? order.Language,
            Items = d.Items ?? order.Items,
            Currency = d.Currency ?? order.Currency,
            Total = d.Total ?? order.Total,
            Carrier = d.Carrier ?? order.Carrier,
            TrackingNumber = d.TrackingNumber ?? order.TrackingNumber,
            AmountDue = input.Status == OrderStatus.OutstandingPayment ? d.AmountDue ?? order.AmountDue : order.AmountDue,
            RefundAmount = d.RefundAmount ?? order.RefundAmount,
            Reason = d.Reason ?? order.Reason,
            UpdatedOn = now,
        };
    }

    private static TableEntity ListEntry(string tenantId, string rowKey, Order order)
    {
        var source = order.ToEntity(tenantId);
        var entry = new TableEntity(tenantId, rowKey) { ["OrderId"] = order.Id };
        foreach (var (name, value) in source.Properties) entry[name] = value;
        return entry;
    }

    /// <summary>
    /// Changes an event's history row (its notification's outcome); null from the change writes
    /// nothing. Returns the event as stored afterwards.
    /// </summary>
    public async Task<OrderEvent?> UpdateEventAsync(string tenantId, string orderId, int sequence, Func<OrderEvent, OrderEvent?> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await tables.GetEntityIfExistsAsync(Order.Table, tenantId, OrderEvent.RowKey(orderId, sequence), cancellationToken) is not { } row) return null;
            var current = OrderEvent.FromEntity(row);
            if (change(current) is not { } updated || updated == current) return current;
            try
            {
                if (updated.Outcome == NotificationOutcome.Pending)
                {
                    await tables.ReplaceAsync(Order.Table, updated.ToEntity(tenantId), row.ETag, cancellationToken);
                }
                else
                {
                    // Settled: its marker goes in the same write.
                    await tables.SubmitTransactionAsync(Order.Table,
                    [
                        new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), row.ETag),
                        new(TableTransactionActionType.Delete, PendingNotification.Of(updated).ToEntity(tenantId), ETag.All),
                    ], cancellationToken);
                }
                return updated;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404 && ex.FailedIndex == 1)
            {
                // No marker: recorded before markers existed, or removed meanwhile. The outcome is stored all the same.
                try
                {
                    await tables.ReplaceAsync(Order.Table, updated.ToEntity(tenantId), row.ETag, cancellationToken);
                    return updated;
                }
                catch (RequestFailedException conflict) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(conflict))
                {
                    await Contention.PauseAsync(attempt, cancellationToken);
                }
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(ex))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>One event of an order's history, by its place in it; null if there is none.</summary>
    public async Task<OrderEvent?> GetEventAsync(string tenantId, string orderId, int sequence, CancellationToken cancellationToken = default) =>
        Order.IsValidId(orderId) && await tables.GetEntityIfExistsAsync(Order.Table, tenantId, OrderEvent.RowKey(orderId, sequence), cancellationToken) is { } row
            ? OrderEvent.FromEntity(row)
            : null;

    /// <summary>The oldest markers of events received before <paramref name="before"/>, up to <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<PendingNotification>> PendingNotificationsAsync(string tenantId, DateTimeOffset before, int max, CancellationToken cancellationToken = default)
    {
        var query = TableQuery.WithRowKeyPrefix(tenantId, PendingNotification.Prefix) with
        {
            RowKeyBefore = PendingNotification.KeyBefore(before),
            Top = Math.Min(max, TableRules.MaxPageSize),
        };
        var page = await tables.QueryAsync(Order.Table, query, null, cancellationToken);
        return [.. page.Entities.Take(max).Select(PendingNotification.FromEntity)];
    }

    /// <summary>Deletes the marker of an event whose notification is settled (or that is gone); one already deleted is fine.</summary>
    public async Task DropPendingNotificationAsync(string tenantId, PendingNotification marker, CancellationToken cancellationToken = default)
    {
        try
        {
            await tables.DeleteAsync(Order.Table, tenantId, marker.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
        {
        }
    }

    /// <summary>
    /// One page of orders, newest status first: all, or those whose current status is
    /// <paramref name="status"/>, with the status's time in [<paramref name="from"/>, <paramref name="to"/>).
    /// </summary>
    public async Task<(IReadOnlyList<Order> Orders, string? ContinuationToken)> ListAsync(
        string tenantId, OrderStatus? status, DateTimeOffset? from, DateTimeOffset? to, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var prefix = status is { } s ? $"s:{s}:" : "t:";
        var query = TableQuery.WithRowKeyPrefix(tenantId, prefix) with { Top = pageSize };
        // Newest first: "to" (exclusive) is the lower key bound, "from" (inclusive) the upper.
        if (to is { } before) query = query with { RowKeyFrom = prefix + Inverted(before.AddTicks(-1)) };
        if (from is { } after) query = query with { RowKeyBefore = prefix + Inverted(after) + ";" };
        var page = await tables.QueryAsync(Order.Table, query, continuationToken, cancellationToken);
        return ([.. page.Entities.Select(e => Order.FromEntity(Rekeyed(e)))], page.ContinuationToken);
    }

    // A list entry holds the order's properties under another key: read it as the order row.
    private static TableEntity Rekeyed(TableEntity entry)
    {
        var order = new TableEntity(entry.PartitionKey, Order.RowKey(entry.GetString("OrderId") ?? "-"));
        foreach (var (name, value) in entry.Properties) order[name] = value;
        return order;
    }
}
