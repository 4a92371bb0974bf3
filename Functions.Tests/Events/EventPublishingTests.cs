using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Events;
using Functions.Outbound;
using Functions.Tests.Channels.Meta;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>
/// Events published from the real paths: webhook processing (message.received, message.status)
/// and the care-window timer (window.closing, window.closed), each once however often its
/// cause is processed.
/// </summary>
public sealed class EventPublishingTests : IAsyncLifetime
{
    private const string Customer = "+46701234567";
    private EventsApp _events = null!;

    public async Task InitializeAsync() => _events = await EventsApp.StartAsync(new Dictionary<string, string?> { ["CareWindow:ReminderBefore"] = "01:00:00" });

    public async Task DisposeAsync() => await _events.DisposeAsync();

    private SendingApp App => _events.App;
    private IReadOnlyList<ReceivedEvent> Received => _events.Receiver.Received;

    private async Task CustomerWritesToSandboxAsync(string providerMessageId, string text = "Where is my order?")
    {
        var response = await App.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = Customer, text, profileName = "Ada", providerMessageId });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _events.ProcessWebhooksAsync();
        await _events.DeliverDueAsync();
    }

    [Fact]
    public async Task ACustomerMessageIsPublishedOnceAsMessageReceived()
    {
        var subscription = await _events.SubscribeAsync(App.SandboxAdmin);

        await CustomerWritesToSandboxAsync("sbx.in-1");
        await CustomerWritesToSandboxAsync("sbx.in-1"); // the provider's retry of the same message

        var received = Assert.Single(Received);
        Assert.True(received.IsSignedWith(subscription.Secret));
        Assert.Equal(EventTypes.MessageReceived, received.Type);
        var data = received.Data;
        Assert.Equal((Customer, "Ada"), (data.GetProperty("contactPhone").GetString(), data.GetProperty("profileName").GetString()));
        var message = data.GetProperty("message");
        Assert.Equal(("Where is my order?", "inbound", "text"),
            (message.GetProperty("text").GetString(), message.GetProperty("direction").GetString(), message.GetProperty("type").GetString()));
        Assert.Equal(data.GetProperty("conversationId").GetString(), message.GetProperty("conversationId").GetString());
        Assert.Equal("sbx.in-1", message.GetProperty("providerMessageId").GetString());

        await CustomerWritesToSandboxAsync("sbx.in-2", "Hello?");
        Assert.Equal(["Where is my order?", "Hello?"], Received.Select(r => r.Data.GetProperty("message").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task AStatusIsPublishedWhenItMovesTheMessageAndNotWhenItDoesNot()
    {
        await _events.SubscribeAsync(App.MetaAdmin, EventTypes.MessageStatus);
        var now = _events.Clock.GetUtcNow();
        await App.CustomerWritesAsync("mt", Customer, now);
        var accepted = await App.MetaAdmin.PostAsJsonAsync("/api/messages", new { to = Customer, type = "text", text = "It ships today." });
        var id = (await SendingApp.ReadMessageAsync(accepted)).Id;
        await App.RunSendsAsync();
        var wamid = (await SendingApp.GetMessageAsync(App.MetaAdmin, id)).ProviderMessageId!;

        async Task StatusAsync(string status, int secondsAfter)
        {
            Assert.Equal(HttpStatusCode.OK, (await App.PostMetaWebhookAsync(SendingApp.MetaStatus(wamid, status, now.AddSeconds(secondsAfter), callbackData: id))).StatusCode);
            await _events.ProcessWebhooksAsync();
            await _events.DeliverDueAsync();
        }
        await StatusAsync("delivered", 10);
        await StatusAsync("delivered", 10); // Meta's retry
        await StatusAsync("sent", 5);       // late: the message is past it
        await StatusAsync("read", 20);

        Assert.Equal(["delivered", "read"], Received.Select(r => r.Data.GetProperty("status").GetString()));
        Assert.All(Received, r => Assert.Equal(EventTypes.MessageStatus, r.Type));
        Assert.All(Received, r => Assert.Equal(id, r.Data.GetProperty("messageId").GetString()));
        Assert.Equal(now.AddSeconds(20), Received[1].Data.GetProperty("statusAt").GetDateTimeOffset());
        Assert.Equal("read", Received[1].Data.GetProperty("message").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ASendTheProviderRefusesIsPublishedAsFailed()
    {
        await _events.SubscribeAsync(App.MetaAdmin, EventTypes.MessageStatus);
        var now = _events.Clock.GetUtcNow();
        await App.CustomerWritesAsync("mt", Customer, now);
        App.Meta.Respond = _ => GraphReply.Error(400, 131026, "Message undeliverable", "Unable to deliver message.");
        var accepted = await App.MetaAdmin.PostAsJsonAsync("/api/messages", new { to = Customer, type = "text", text = "It ships today." });
        var id = (await SendingApp.ReadMessageAsync(accepted)).Id;

        await App.RunSendsAsync();
        await _events.DeliverDueAsync();

        var failed = Assert.Single(Received);
        Assert.Equal((EventTypes.MessageStatus, "failed", id), (failed.Type, failed.Data.GetProperty("status").GetString(), failed.Data.GetProperty("messageId").GetString()));
        Assert.Equal("131026", failed.Data.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ACustomerMessageThatReopensAnArchivedConversationIsPublishedAsAStatusChange()
    {
        await _events.SubscribeAsync(App.SandboxAdmin, EventTypes.ConversationStatus);
        await CustomerWritesToSandboxAsync("sbx.in-before");
        _events.Clock.Advance(TimeSpan.FromSeconds(2)); // a list shows what was written before it began
        var conversationId = (await App.SandboxAdmin.GetFromJsonAsync<JsonElement>("/api/conversations?status=active", TestJson.Options))
            .GetProperty("items")[0].GetProperty("id").GetString();
        var archived = await App.SandboxAdmin.PutAsJsonAsync($"/api/conversations/{conversationId}/status", new { status = "archived" });
        Assert.Equal(HttpStatusCode.OK, archived.StatusCode);
        await _events.DeliverDueAsync();

        await CustomerWritesToSandboxAsync("sbx.in-after");
        await CustomerWritesToSandboxAsync("sbx.in-after"); // the provider's retry

        Assert.Equal([("archived", "active"), ("active", "archived")],
            Received.Select(r => (r.Data.GetProperty("status").GetString(), r.Data.GetProperty("previousStatus").GetString())));
        Assert.All(Received, r => Assert.Equal(conversationId, r.Data.GetProperty("conversationId").GetString()));
    }

    [Fact]
    public async Task TheCareWindowTimerPublishesClosingThenClosedOnce()
    {
        await _events.SubscribeAsync(App.SandboxAdmin, EventTypes.WindowClosing, EventTypes.WindowClosed);
        var wroteAt = _events.Clock.GetUtcNow();
        await CustomerWritesToSandboxAsync("sbx.in-window");
        Assert.Empty(Received);

        _events.Clock.Advance(TimeSpan.FromHours(23));
        await QueueDriver.RunAsync(App.Api.App, "CareWindowTimer");
        await _events.DeliverDueAsync();
        var closing = Assert.Single(Received);
        Assert.Equal(EventTypes.WindowClosing, closing.Type);
        Assert.Equal(wroteAt.AddHours(24), closing.Data.GetProperty("windowExpiresAt").GetDateTimeOffset());
        Assert.Equal(Customer, closing.Data.GetProperty("contactPhone").GetString());

        _events.Clock.Advance(TimeSpan.FromHours(1));
        await QueueDriver.RunAsync(App.Api.App, "CareWindowTimer");
        await _events.DeliverDueAsync();
        Assert.Equal([EventTypes.WindowClosing, EventTypes.WindowClosed], Received.Select(r => r.Type));
        Assert.Equal(closing.Data.GetProperty("conversationId").GetString(), Received[1].Data.GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task AWindowTheCustomerRenewedPublishesNothingForItsOldTimers()
    {
        await _events.SubscribeAsync(App.SandboxAdmin, EventTypes.WindowClosing, EventTypes.WindowClosed);
        await CustomerWritesToSandboxAsync("sbx.in-a");
        _events.Clock.Advance(TimeSpan.FromHours(20));
        await CustomerWritesToSandboxAsync("sbx.in-b");

        _events.Clock.Advance(TimeSpan.FromHours(5)); // past the first window's close, before the second's reminder
        await QueueDriver.RunAsync(App.Api.App, "CareWindowTimer");
        await _events.DeliverDueAsync();

        Assert.Empty(Received);
    }
}
