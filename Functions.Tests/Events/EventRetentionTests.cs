using System.Net;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Events;

/// <summary>What is kept: events nobody wants are not stored; old events and logs, and deleted subscriptions' logs, are purged daily.</summary>
public sealed class EventRetentionTests : IAsyncLifetime
{
    private EventsApp _events = null!;

    public async Task InitializeAsync() => _events = await EventsApp.StartAsync();

    public async Task DisposeAsync() => await _events.DisposeAsync();

    private HttpClient Admin => _events.App.SandboxAdmin;
    private ITableStore Tables => _events.App.Get<ITableStore>();

    private Task<string> PublishAsync() =>
        _events.App.Get<TenantEvents>().PublishAsync("sb", EventTypes.ConversationStatus, new { conversationId = "cv0001", status = "closed" }, default);

    private async Task PurgeAsync()
    {
        using var scope = _events.App.Api.App.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<PurgeEventsHandler>().RunAsync(new TimerInvocation("PurgeEvents", _events.Clock.GetUtcNow(), false), default);
    }

    private async Task<int> RowsAsync(string table, string partition) => (await Tables.QueryAllAsync(table, new TableQuery(partition))).Count;

    [Fact]
    public async Task AnEventNobodySubscribedToIsNotStored()
    {
        await _events.SubscribeAsync(Admin, EventTypes.MessageReceived);
        await PublishAsync();
        await _events.DeliverDueAsync();

        Assert.Equal(0, await RowsAsync(StoredEvent.Table, "sb"));
        Assert.Empty(_events.Receiver.Received);
    }

    [Fact]
    public async Task EventsAndLogEntriesOlderThanTheRetentionArePurged()
    {
        var subscription = (await _events.SubscribeAsync(Admin)).Subscription.Id;
        await PublishAsync();
        await PublishAsync();
        await _events.DeliverDueAsync();
        _events.Clock.Advance(TimeSpan.FromDays(30));
        var kept = await PublishAsync();
        await _events.DeliverDueAsync();
        _events.Clock.Advance(TimeSpan.FromSeconds(1));

        await PurgeAsync();

        Assert.Equal(kept, Assert.Single((await EventsApp.LogAsync(Admin, subscription)).Deliveries).EventId);
        Assert.Equal(1, await RowsAsync(StoredEvent.Table, "sb"));
    }

    [Fact]
    public async Task ADeletedSubscriptionStopsAtOnceAndItsLogIsPurged()
    {
        var subscription = (await _events.SubscribeAsync(Admin)).Subscription.Id;
        _events.Receiver.Script(new ReceiverReply(500));
        await PublishAsync();
        await _events.DeliverDueAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/events/subscriptions/{subscription}")).StatusCode);

        _events.Clock.Advance(TimeSpan.FromMinutes(1));
        await _events.DeliverDueAsync(); // the pending retry finds it gone
        await PublishAsync();
        await _events.DeliverDueAsync();
        Assert.Single(_events.Receiver.Received);

        await PurgeAsync();
        Assert.Equal(0, await RowsAsync(EventDelivery.Table, EventDelivery.Partition("sb", subscription)));
        Assert.Null(await Tables.GetEntityIfExistsAsync(EventSubscription.Table, "sb", subscription));
    }
}
