using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Outbound;
using Functions.Tests.Channels.Meta;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Outbound;

/// <summary>
/// The rules at the edges of time, with a manual clock and the send queue run by the test: the
/// care window at exactly 24 hours, messages whose window or consent changed while they waited,
/// a worker that stopped mid-request, duplicate work items and per-recipient pacing.
/// </summary>
public sealed class SendTimeRulesTests(SendTimeRulesTests.DrivenApp driven) : IClassFixture<SendTimeRulesTests.DrivenApp>
{
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;

        // Pacing: two messages back to back, then one per 6 seconds (Meta's pair rate).
        public async Task InitializeAsync() => App = await SendingApp.StartAsync(new Dictionary<string, string?>
        {
            ["Outbound:RecipientInterval"] = "00:00:06",
            ["Outbound:RecipientBurst"] = "2",
        }, driven: true);

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;

    private DateTimeOffset Now => _app.Clock!.GetUtcNow();

    private static string Phone(int n) => $"+4670222{n:D4}";

    private int MetaSendsTo(string phone) => _app.Meta.Requests.Count(r =>
    {
        using var body = JsonDocument.Parse(r.Body);
        return body.RootElement.GetProperty("to").GetString() == phone;
    });

    private async Task<HttpResponseMessage> SendTextAsync(string phone) =>
        await _app.MetaAdmin.PostAsJsonAsync("/api/messages", new { to = phone, type = "text", text = "Still there?" });

    private async Task<MessageView> AcceptedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await SendingApp.ReadMessageAsync(response);
    }

    [Fact]
    public async Task AFreeFormMessageMayGoUntilTheLastTickOfThe24HoursAndNotAtExactly24Hours()
    {
        var phone = Phone(1);
        var wrote = Now;
        await _app.CustomerWritesAsync("mt", phone, wrote);

        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromHours(24) - TimeSpan.FromTicks(1));
        await AcceptedAsync(await SendTextAsync(phone));

        _app.Clock.SetUtcNow(wrote + TimeSpan.FromHours(24));
        var closed = await SendTextAsync(phone);
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Equal(wrote + TimeSpan.FromHours(24), (await SendingApp.ReadProblemAsync(closed)).GetProperty("windowClosedAt").GetDateTimeOffset());

        var conversation = await _app.MetaAdmin.GetFromJsonAsync<ConversationView>(
            $"/api/conversations/{(await _app.Get<ConversationStore>().FindOpenAsync("mt", SendingApp.PhoneNumberId, phone, default))!.Id}", TestJson.Options);
        Assert.Equal((false, 0L, wrote + TimeSpan.FromHours(24)), (conversation!.Window.IsOpen, conversation.Window.RemainingSeconds, conversation.Window.ExpiresAt));
        await _app.RunSendsAsync(); // leave the queue empty for the next test
    }

    [Fact]
    public async Task TheConversationShowsTheWindowCountdown()
    {
        var phone = Phone(2);
        var conversation = await _app.CustomerWritesAsync("mt", phone, Now - TimeSpan.FromHours(23));

        var view = await _app.MetaAdmin.GetFromJsonAsync<ConversationView>($"/api/conversations/{conversation.Id}", TestJson.Options);

        Assert.True(view!.Window.IsOpen);
        Assert.Equal(3600, view.Window.RemainingSeconds);
        Assert.Equal(Now + TimeSpan.FromHours(1), view.Window.ExpiresAt);
    }

    [Fact]
    public async Task AMessageWhoseWindowClosedWhileItWaitedFailsWithoutARequest()
    {
        var phone = Phone(3);
        var wrote = Now;
        await _app.CustomerWritesAsync("mt", phone, wrote);
        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var message = await AcceptedAsync(await SendTextAsync(phone));

        _app.Clock.Advance(TimeSpan.FromSeconds(2)); // the queue was slow
        await _app.RunSendsAsync();

        var failed = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.Equal((DeliveryStatus.Failed, SendRules.CareWindowClosed, FailureReason.OutsideCareWindow), (failed.Status, failed.Error!.Code, failed.Error.Reason));
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AnOptOutWhileATemplateWaitedStopsIt()
    {
        var phone = Phone(4);
        await _app.ApprovedTemplateAsync("mt", "order_update", body: "Your order has an update.");
        var message = await AcceptedAsync(await _app.MetaAdmin.PostAsJsonAsync("/api/messages",
            new { to = phone, type = "template", template = new { name = "order_update", language = "en" } }));

        await _app.ConsentAsync("mt", phone, ConsentPurpose.Utility, ConsentState.OptedOut);
        await _app.RunSendsAsync();

        var failed = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.Equal((DeliveryStatus.Failed, SendRules.OptedOut), (failed.Status, failed.Error!.Code));
        Assert.Equal(0, MetaSendsTo(phone));
    }

    /// <summary>Takes the message's queued work item off the queue, as a worker receiving it would (others stay).</summary>
    private async Task<SendWork> TakeWorkItemAsync(string messageId)
    {
        var queues = _app.Get<Functions.Storage.IQueueStore>();
        SendWork? taken = null;
        foreach (var item in await queues.ReceiveAsync(OutboundMessages.Queue, 32, TimeSpan.FromMinutes(5)))
        {
            var work = JsonSerializer.Deserialize<SendWork>(item.Text, JsonSerializerOptions.Web)!;
            if (work.MessageId == messageId && taken is null)
            {
                taken = work;
                await queues.DeleteMessageAsync(OutboundMessages.Queue, item.MessageId, item.PopReceipt);
            }
            else
            {
                await queues.UpdateVisibilityAsync(OutboundMessages.Queue, item.MessageId, item.PopReceipt, TimeSpan.Zero);
            }
        }
        return taken ?? throw new Xunit.Sdk.XunitException($"No work item for {messageId} in the queue.");
    }

    private Task RedeliverAsync(SendWork work) =>
        _app.Get<Functions.Storage.IQueueStore>().SendAsync(OutboundMessages.Queue, JsonSerializer.Serialize(work, JsonSerializerOptions.Web));

    [Fact]
    public async Task AWorkerThatStoppedMidRequestLeavesTheOutcomeUnknownAndNothingIsResent()
    {
        var phone = Phone(5);
        await _app.CustomerWritesAsync("mt", phone, Now);
        var message = await AcceptedAsync(await SendTextAsync(phone));
        var work = await TakeWorkItemAsync(message.Id);
        // What the worker did just before the request; then it died, and the queue delivers its work item again.
        await _app.Get<OutboundMessages>().UpdateAsync("mt", message.Id, m => m with { Attempts = 1, AttemptStartedAt = Now, AttemptToken = work.Token }, default);

        await RedeliverAsync(work);
        await _app.RunSendsAsync();
        await RedeliverAsync(SendWork.For("mt", message.Id, 1));
        await RedeliverAsync(SendWork.For("mt", message.Id, 2));
        await _app.RunSendsAsync();

        var unknown = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.Equal((true, DeliveryStatus.Queued, 1), (unknown.OutcomeUnknown, unknown.Status, unknown.Attempts));
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AnotherWorkItemArrivingWhileARequestIsInFlightLeavesItAlone()
    {
        var phone = Phone(9);
        await _app.CustomerWritesAsync("mt", phone, Now);
        var message = await AcceptedAsync(await SendTextAsync(phone));
        var work = await TakeWorkItemAsync(message.Id);
        await _app.Get<OutboundMessages>().UpdateAsync("mt", message.Id, m => m with { Attempts = 1, AttemptStartedAt = Now, AttemptToken = work.Token }, default);

        await RedeliverAsync(SendWork.For("mt", message.Id, 1)); // a duplicate, not the worker's own item
        await _app.RunSendsAsync();

        var inFlight = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.False(inFlight.OutcomeUnknown);
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AWorkerThatStoppedAfterDecidingToRetryHasTheNextAttemptQueuedByItsRedelivery()
    {
        var phone = Phone(10);
        await _app.CustomerWritesAsync("mt", phone, Now);
        var message = await AcceptedAsync(await SendTextAsync(phone));
        var work = await TakeWorkItemAsync(message.Id);
        // Attempt 1 was answered 429 and recorded as "try again", then the worker died before queueing attempt 2.
        await _app.Get<OutboundMessages>().UpdateAsync("mt", message.Id, m => m with { Attempts = 1, AttemptToken = work.Token, NextAttemptAt = Now }, default);

        await RedeliverAsync(work);
        await _app.RunSendsAsync();
        await RedeliverAsync(work); // and again: still one send
        await _app.RunSendsAsync();

        var sent = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.Equal(2, sent.Attempts);
        Assert.NotNull(sent.ProviderMessageId);
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AWorkItemDeliveredTwiceSendsOnce()
    {
        var phone = Phone(6);
        await _app.CustomerWritesAsync("mt", phone, Now);
        var message = await AcceptedAsync(await SendTextAsync(phone));
        var work = await TakeWorkItemAsync(message.Id);
        await RedeliverAsync(work);
        await RedeliverAsync(work);

        await _app.RunSendsAsync();
        await RedeliverAsync(work);
        await RedeliverAsync(SendWork.For("mt", message.Id, 1));
        await _app.RunSendsAsync();

        Assert.Equal(1, MetaSendsTo(phone));
        Assert.Equal(GraphReply.Accepted.Body.Split("\"id\":\"")[1].Split('"')[0], (await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id)).ProviderMessageId);
    }

    [Fact]
    public async Task ARepeatedIdempotencyKeyWaitsForAFirstRequestStillAtWorkAndFinishesOneThatStopped()
    {
        var phone = Phone(11);
        await _app.CustomerWritesAsync("mt", phone, Now);
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/messages")
        {
            Content = JsonContent.Create(new { to = phone, type = "text", text = "Your table is ready." }),
            Headers = { { "Idempotency-Key", "table-7-ready" } },
        };
        // The first request claimed the key and stopped before writing its message.
        var first = await AcceptedAsync(await _app.MetaAdmin.SendAsync(Request()));
        await _app.Get<Functions.Storage.ITableStore>().DeleteAsync(ConversationMessage.Table, ConversationMessage.Partition("mt", first.ConversationId),
            (await _app.Get<OutboundMessages>().FindAsync("mt", first.Id, default))!.Message.RowKey, Azure.ETag.All);
        await TakeWorkItemAsync(first.Id);

        var atWork = await _app.MetaAdmin.SendAsync(Request());
        Assert.Equal(HttpStatusCode.Conflict, atWork.StatusCode); // still within the first request's time: try again shortly

        _app.Clock!.Advance(OutboundMessages.InProgressFor);
        var finished = await AcceptedAsync(await _app.MetaAdmin.SendAsync(Request()));
        Assert.Equal(first.Id, finished.Id);
        Assert.Equal(1, await _app.RunSendsAsync());
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AConversationClosedWhileTheMessageWaitedTakesNoMore()
    {
        var phone = Phone(12);
        var conversation = await _app.CustomerWritesAsync("mt", phone, Now);
        var message = await AcceptedAsync(await SendTextAsync(phone));

        await _app.Get<ConversationStore>().CloseAsync("mt", conversation.Id, default);
        await _app.RunSendsAsync();

        var failed = await SendingApp.GetMessageAsync(_app.MetaAdmin, message.Id);
        Assert.Equal((DeliveryStatus.Failed, "conversation_closed"), (failed.Status, failed.Error!.Code));
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AStopProcessedADayLateIsRecordedButNotConfirmed()
    {
        async Task<IReadOnlyList<MessageView>> RepliesAsync(string phone)
        {
            var conversation = await _app.Get<ConversationStore>().FindOpenAsync("sb", "sandbox", phone, default);
            var page = await _app.SandboxAdmin.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation!.Id}/messages", TestJson.Options);
            return [.. page!.Items.Where(m => m.Direction == MessageDirection.Outbound)];
        }

        await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = Phone(13), text = "STOP" });
        await QueueDriver.RunAsync(_app.Api.App, "ProcessWebhookEvent");
        Assert.Single(await RepliesAsync(Phone(13))); // processed at once: confirmed

        await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = Phone(14), text = "STOP" });
        _app.Clock!.Advance(TimeSpan.FromHours(25)); // the processor was down for a day
        await QueueDriver.RunAsync(_app.Api.App, "ProcessWebhookEvent");

        Assert.Empty(await RepliesAsync(Phone(14)));
        Assert.Equal(ConsentState.OptedOut, (await _app.Get<ContactBook>().FindAsync("sb", Phone(14), default))!.Marketing);
        await _app.RunSendsAsync();
    }

    [Fact]
    public async Task MessagesToOneRecipientArePacedAfterABurst()
    {
        var phone = Phone(7);
        await _app.CustomerWritesAsync("mt", phone, Now);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await AcceptedAsync(await SendTextAsync(phone))).Id);
        await _app.CustomerWritesAsync("mt", Phone(8), Now);
        await AcceptedAsync(await SendTextAsync(Phone(8)));

        await _app.RunSendsAsync();
        Assert.Equal((2, 1), (MetaSendsTo(phone), MetaSendsTo(Phone(8)))); // the burst, and another customer is not held up
        var waiting = await SendingApp.GetMessageAsync(_app.MetaAdmin, ids[2]);
        Assert.Contains(waiting.Trace!, e => e.Step == TraceEntry.Steps.Deferred);

        _app.Clock!.Advance(TimeSpan.FromSeconds(5));
        await _app.RunSendsAsync();
        Assert.Equal(2, MetaSendsTo(phone));

        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await _app.RunSendsAsync();
        Assert.Equal(3, MetaSendsTo(phone));
    }
}
