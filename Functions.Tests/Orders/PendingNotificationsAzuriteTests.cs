using Functions.Orders;
using Functions.Storage.AzureStorage;
using Functions.Tests.Storage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// The pending-notification marker against Azurite: written with the event, found by the sweep's
/// key range once old enough, deleted in the transaction that settles the event, and an event
/// without a marker (recorded before markers existed) still settles.
/// </summary>
public sealed class PendingNotificationsAzuriteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = "pn" + Guid.NewGuid().ToString("N")[..8];

    private async Task<(OrderStore Store, TableStorageClient Tables)> StoreAsync()
    {
        var tables = new TableStorageClient(azurite.Account);
        await tables.CreateTableIfNotExistsAsync(Order.Table);
        return (new OrderStore(tables, _time), tables);
    }

    private OrderEventInput Paid(string orderId) =>
        new("ev-" + orderId, orderId, OrderStatus.Paid, _time.GetUtcNow().AddMinutes(-1), "+46705530001", null, null, new OrderDetails(), "hash-" + orderId);

    private static OrderEvent? Sent(OrderEvent e) => e with { Outcome = NotificationOutcome.Sent, MessageIds = ["msg1"] };

    [Fact]
    public async Task AMarkerIsFoundOnceOldEnoughAndGoesWithTheOutcome()
    {
        var (store, _) = await StoreAsync();
        var recorded = (await store.RecordAsync(_tenant, Paid("A-1"))).Event;

        Assert.Empty(await store.PendingNotificationsAsync(_tenant, recorded.ReceivedAt, 10));
        var marker = Assert.Single(await store.PendingNotificationsAsync(_tenant, recorded.ReceivedAt.AddTicks(1), 10));
        Assert.Equal(("A-1", recorded.Sequence), (marker.OrderId, marker.Sequence));

        var settled = await store.UpdateEventAsync(_tenant, "A-1", recorded.Sequence, Sent);

        Assert.Equal(NotificationOutcome.Sent, settled!.Outcome);
        Assert.Empty(await store.PendingNotificationsAsync(_tenant, DateTimeOffset.MaxValue.AddDays(-1), 10));
    }

    [Fact]
    public async Task AnEventWithoutAMarkerStillSettles()
    {
        var (store, tables) = await StoreAsync();
        var recorded = (await store.RecordAsync(_tenant, Paid("B-1"))).Event;
        await tables.DeleteAsync(Order.Table, _tenant, PendingNotification.Of(recorded).RowKey, Azure.ETag.All);

        var settled = await store.UpdateEventAsync(_tenant, "B-1", recorded.Sequence, Sent);

        Assert.Equal(NotificationOutcome.Sent, settled!.Outcome);
        Assert.Equal(NotificationOutcome.Sent, (await store.GetEventAsync(_tenant, "B-1", recorded.Sequence))!.Outcome);
    }
}
