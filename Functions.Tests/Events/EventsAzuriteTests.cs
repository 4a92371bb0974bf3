using Functions.Events;
using Functions.Tests.Storage;

namespace Functions.Tests.Events;

/// <summary>
/// The event flow on Azurite (the Azure Table and Queue adapters): rows, claims and the log as
/// they are on the wire. Back-off is zero here, as Azurite's queue delays run on real time.
/// </summary>
public sealed class EventsAzuriteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AnEventFailedOnceIsRetriedDeliveredAndLoggedOnAzurite()
    {
        await using var events = await EventsApp.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Events:RetryBaseDelay"] = "00:00:00",
            ["Events:RetryMaxDelay"] = "00:00:00",
        });
        var subscription = await events.SubscribeAsync(events.App.SandboxAdmin);
        events.Receiver.Script(new ReceiverReply(503));
        var id = await events.App.Get<TenantEvents>().PublishAsync("sb", EventTypes.ConversationAssigned, new { conversationId = "cv0001", agent = "ann" }, default);

        await events.DeliverDueAsync();

        Assert.Equal(2, events.Receiver.Received.Count);
        Assert.All(events.Receiver.Received, r => Assert.True(r.IsSignedWith(subscription.Secret)));
        var delivery = Assert.Single((await EventsApp.LogAsync(events.App.SandboxAdmin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal((id, "delivered"), (delivery.EventId, delivery.Status));
        Assert.Equal([503, 200], delivery.Attempts.Select(a => a.StatusCode ?? 0));
    }
}
