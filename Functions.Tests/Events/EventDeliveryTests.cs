using System.Net;
using System.Net.Http.Json;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>
/// Delivery of published events to a fake receiver on 127.0.0.1, driven by a manual clock:
/// signatures a receiver can check, retries with back-off and Retry-After, what counts as final,
/// and the delivery log.
/// </summary>
public sealed class EventDeliveryTests : IAsyncLifetime
{
    private EventsApp _events = null!;

    public async Task InitializeAsync() => _events = await EventsApp.StartAsync(new Dictionary<string, string?> { ["Events:MaxAttempts"] = "4" });

    public async Task DisposeAsync() => await _events.DisposeAsync();

    private FakeEventReceiver Receiver => _events.Receiver;
    private ManualTimeProvider Clock => _events.Clock;
    private HttpClient Admin => _events.App.SandboxAdmin;

    private Task<string> PublishAsync(string type = EventTypes.ConversationAssigned, string? key = null) =>
        _events.App.Get<TenantEvents>().PublishAsync("sb", type, new { conversationId = "cv0001", agent = "ann" }, key, default);

    [Fact]
    public async Task AnEventIsPostedOnceSignedWithTheSubscriptionsSecretAndShapedAsDocumented()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        var id = await PublishAsync();

        await _events.DeliverDueAsync();

        var received = Assert.Single(Receiver.Received);
        Assert.True(received.IsSignedWith(subscription.Secret));
        Assert.False(received.IsSignedWith(subscription.Secret + "x"));
        Assert.Equal(Clock.GetUtcNow().ToUnixTimeSeconds(), received.Timestamp);
        Assert.Equal(id, received.Header("X-Webhook-Id"));
        Assert.Equal(EventTypes.ConversationAssigned, received.Header("X-Webhook-Event"));
        Assert.Equal("1", received.Header("X-Webhook-Attempt"));
        Assert.StartsWith("application/json", received.Header("Content-Type"));
        Assert.Equal("/hooks/whatsapp", received.Path);
        var body = received.Json;
        Assert.Equal(["id", "type", "createdAt", "tenant", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal((id, "sb", "2026-11-23T09:00:00.000Z"), (received.Id, body.GetProperty("tenant").GetString(), body.GetProperty("createdAt").GetString()));
        Assert.Equal("ann", received.Data.GetProperty("agent").GetString());

        var delivery = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal(("delivered", 1, (DateTimeOffset?)null), (delivery.Status, delivery.AttemptCount, delivery.NextAttemptAt));
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal((1, 200, DeliveryAttempt.Delivered), (attempt.Attempt, attempt.StatusCode, attempt.Outcome));
    }

    [Fact]
    public async Task A500IsRetriedAfterTheBackOffWithTheSameIdAndBody()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(500));
        var id = await PublishAsync();

        await _events.DeliverDueAsync();
        var log = await EventsApp.LogAsync(Admin, subscription.Subscription.Id);
        var pending = Assert.Single(log.Deliveries);
        Assert.Equal(("pending", Clock.GetUtcNow().AddSeconds(30)), (pending.Status, pending.NextAttemptAt));
        var first = Assert.Single(pending.Attempts);
        Assert.Equal((500, DeliveryAttempt.Retry, "HTTP 500"), (first.StatusCode, first.Outcome, first.Error));

        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await _events.DeliverDueAsync());
        Assert.Single(Receiver.Received);

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _events.DeliverDueAsync());
        Assert.Equal(2, Receiver.Received.Count);
        Assert.All(Receiver.Received, r => Assert.Equal(id, r.Header("X-Webhook-Id")));
        Assert.Equal(Receiver.Received[0].Body, Receiver.Received[1].Body);
        Assert.Equal("2", Receiver.Received[1].Header("X-Webhook-Attempt"));
        Assert.True(Receiver.Received[1].IsSignedWith(subscription.Secret));

        var delivered = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal("delivered", delivered.Status);
        Assert.Equal([500, 200], delivered.Attempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal([DeliveryAttempt.Retry, DeliveryAttempt.Delivered], delivered.Attempts.Select(a => a.Outcome));
        Assert.Equal(Clock.GetUtcNow(), delivered.CompletedOn);
    }

    [Fact]
    public async Task A429WaitsAsLongAsItsRetryAfterAsks()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(429, new Dictionary<string, string> { ["Retry-After"] = "120" }));
        await PublishAsync();

        await _events.DeliverDueAsync();
        Assert.Equal(Clock.GetUtcNow().AddSeconds(120), (await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries[0].NextAttemptAt);

        Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await _events.DeliverDueAsync());
        Clock.Advance(TimeSpan.FromSeconds(1));
        await _events.DeliverDueAsync();
        Assert.Equal(2, Receiver.Received.Count);
        Assert.Equal("delivered", (await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries[0].Status);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(410)]
    [InlineData(302)]
    public async Task ARefusalOtherThan408Or429FailsAtOnce(int status)
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(status));
        await PublishAsync();

        await _events.DeliverDueAsync();
        Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await _events.DeliverDueAsync());

        Assert.Single(Receiver.Received);
        var failed = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal(("failed", (DateTimeOffset?)null), (failed.Status, failed.NextAttemptAt));
        Assert.Equal((status, DeliveryAttempt.Failed), (failed.Attempts[0].StatusCode, failed.Attempts[0].Outcome));
    }

    [Fact]
    public async Task RetriesDoubleTheirWaitAndStopAtTheLimitAsFailed()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(503), new ReceiverReply(408), new ReceiverReply(502), new ReceiverReply(500));
        await PublishAsync();

        await _events.DeliverDueAsync();
        foreach (var wait in new[] { 30, 60, 120 })
        {
            Clock.Advance(TimeSpan.FromSeconds(wait - 1));
            Assert.Equal(0, await _events.DeliverDueAsync());
            Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, await _events.DeliverDueAsync());
        }
        Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await _events.DeliverDueAsync());

        Assert.Equal(4, Receiver.Received.Count); // Events:MaxAttempts
        var failed = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal("failed", failed.Status);
        Assert.Equal([503, 408, 502, 500], failed.Attempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal([DeliveryAttempt.Retry, DeliveryAttempt.Retry, DeliveryAttempt.Retry, DeliveryAttempt.Failed], failed.Attempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task AReceiverThatDoesNotAnswerInTimeIsTriedAgain()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(200, Delay: TimeSpan.FromSeconds(10)));
        await PublishAsync();

        await _events.DeliverDueAsync();

        var pending = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal("pending", pending.Status);
        Assert.Equal((null, DeliveryAttempt.Retry), (pending.Attempts[0].StatusCode, pending.Attempts[0].Outcome));
        Assert.Contains("No answer within 2 s", pending.Attempts[0].Error);
        Assert.True(pending.Attempts[0].DurationMs >= 1900);
    }

    [Fact]
    public async Task AWorkItemDeliveredTwicePostsAndRecordsItsAttemptOnce()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(500));
        await PublishAsync();
        await QueueDriver.RunAsync(_events.App.Api.App, "FanOutEvent");

        var queues = _events.App.Get<IQueueStore>();
        var function = (QueueFunction)_events.App.Get<FunctionCatalog>().Find("DeliverEvent")!;
        var message = Assert.Single(await queues.ReceiveAsync(FanOutEventHandler.DeliveryQueue, 32, TimeSpan.FromMinutes(5)));
        var invocation = new QueueInvocation(function.Name, function.QueueName, message.Text, message.MessageId, message.DequeueCount, message.InsertedOn);
        var invoker = _events.App.Get<FunctionInvoker>();
        await invoker.InvokeQueueAsync(function, invocation, default);
        await invoker.InvokeQueueAsync(function, invocation, default);
        // The retry is queued once too: at its time, one more POST.
        Clock.Advance(TimeSpan.FromSeconds(30));
        await _events.DeliverDueAsync();
        await invoker.InvokeQueueAsync(function, invocation, default);

        Assert.Equal(2, Receiver.Received.Count);
        var delivered = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal(("delivered", 2), (delivered.Status, delivered.AttemptCount));
    }

    [Fact]
    public async Task AnAttemptLeftClaimedByAStoppedWorkerIsNotRepeatedButFollowedByTheNext()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        await PublishAsync();
        await QueueDriver.RunAsync(_events.App.Api.App, "FanOutEvent");
        // A worker claimed attempt 1 and stopped before recording it (its work item comes back).
        var tables = _events.App.Get<ITableStore>();
        var partition = EventDelivery.Partition("sb", subscription.Subscription.Id);
        var row = Assert.Single((await tables.QueryAsync(EventDelivery.Table, new TableQuery(partition))).Entities);
        await tables.ReplaceAsync(EventDelivery.Table,
            (EventDelivery.FromEntity(row) with { ClaimedAttempt = 1, ClaimedAt = Clock.GetUtcNow() }).ToEntity("sb", subscription.Subscription.Id), row.ETag);

        Assert.Equal(1, await _events.DeliverDueAsync()); // within the claim's lease: it waits
        Assert.Empty(Receiver.Received);
        Clock.Advance(TimeSpan.FromSeconds(32)); // the 2 s time-out and the margin: taken as interrupted
        await _events.DeliverDueAsync();
        Clock.Advance(TimeSpan.FromSeconds(30));
        await _events.DeliverDueAsync();

        var received = Assert.Single(Receiver.Received);
        Assert.Equal("2", received.Header("X-Webhook-Attempt"));
        var delivered = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal([DeliveryAttempt.Interrupted, DeliveryAttempt.Delivered], delivered.Attempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task TheSameFactPublishedTwiceIsDeliveredOnce()
    {
        await _events.SubscribeAsync(Admin);
        var first = await PublishAsync(key: "conversation cv0001 assigned to ann");
        await _events.DeliverDueAsync();
        Clock.Advance(TimeSpan.FromMinutes(5));
        var again = await PublishAsync(key: "conversation cv0001 assigned to ann");
        await _events.DeliverDueAsync();

        Assert.Equal(first, again);
        Assert.Single(Receiver.Received);
    }

    [Fact]
    public async Task ASubscriptionGetsOnlyTheTypesItAskedForAndADisabledOneNone()
    {
        var statusOnly = await _events.SubscribeAsync(Admin, EventTypes.MessageStatus);
        await PublishAsync(EventTypes.ConversationAssigned);
        await PublishAsync(EventTypes.MessageStatus);
        await _events.DeliverDueAsync();
        Assert.Equal([EventTypes.MessageStatus], Receiver.Received.Select(r => r.Type));

        (await Admin.PatchAsync($"/api/events/subscriptions/{statusOnly.Subscription.Id}", JsonContent("""{"enabled":false}"""))).EnsureSuccessStatusCode();
        await PublishAsync(EventTypes.MessageStatus);
        await _events.DeliverDueAsync();
        Assert.Single(Receiver.Received);
    }

    [Fact]
    public async Task DisablingStopsPendingRetriesAndDeletingStopsThemSilently()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        Receiver.Script(new ReceiverReply(500));
        await PublishAsync();
        await _events.DeliverDueAsync();
        (await Admin.PatchAsync($"/api/events/subscriptions/{subscription.Subscription.Id}", JsonContent("""{"enabled":false}"""))).EnsureSuccessStatusCode();

        Clock.Advance(TimeSpan.FromSeconds(30));
        await _events.DeliverDueAsync();

        Assert.Single(Receiver.Received);
        var failed = Assert.Single((await EventsApp.LogAsync(Admin, subscription.Subscription.Id)).Deliveries);
        Assert.Equal(("failed", "The subscription is disabled."), (failed.Status, failed.Attempts[^1].Error));
    }

    [Fact]
    public async Task AfterARotationBothSecretsSignForADayThenOnlyTheNewOne()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        var rotated = await (await Admin.PostAsync($"/api/events/subscriptions/{subscription.Subscription.Id}/rotate-secret", null))
            .Content.ReadFromJsonAsync<SubscriptionWithSecret>(TestJson.Options);
        Assert.NotEqual(subscription.Secret, rotated!.Secret);

        await PublishAsync();
        await _events.DeliverDueAsync();
        Clock.Advance(TimeSpan.FromDays(1));
        await PublishAsync();
        await _events.DeliverDueAsync();

        Assert.True(Receiver.Received[0].IsSignedWith(rotated.Secret));
        Assert.True(Receiver.Received[0].IsSignedWith(subscription.Secret));
        Assert.True(Receiver.Received[1].IsSignedWith(rotated.Secret));
        Assert.False(Receiver.Received[1].IsSignedWith(subscription.Secret));
    }

    [Fact]
    public async Task TheLogPagesNewestEventFirst()
    {
        var subscription = await _events.SubscribeAsync(Admin);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await PublishAsync());
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        await _events.DeliverDueAsync();

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await EventsApp.LogAsync(Admin, subscription.Subscription.Id, "?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.True(page.Deliveries.Count <= 2);
            seen.AddRange(page.Deliveries.Select(d => d.EventId));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Fact]
    public async Task TextIsSentAsItIsAndDataTooLargeToCarryIsOmittedWithoutFailingThePublisher()
    {
        await _events.SubscribeAsync(Admin);
        var text = string.Concat(Enumerable.Repeat("您的订单已发货 👋 <b>&'+", 300));
        var publisher = _events.App.Get<TenantEvents>();
        await publisher.PublishAsync("sb", EventTypes.MessageReceived, new { phone = "+46701234567", text }, default);
        await publisher.PublishAsync("sb", EventTypes.MessageReceived, new { text = new string('x', TenantEvents.MaxDataChars) }, default);

        await _events.DeliverDueAsync();

        var intact = Receiver.Received.Single(r => r.Data.TryGetProperty("text", out _));
        Assert.Equal(text, intact.Data.GetProperty("text").GetString());
        Assert.Contains("\"phone\":\"+46701234567\"", System.Text.Encoding.UTF8.GetString(intact.Body)); // no \\u escapes
        var omitted = Receiver.Received.Single(r => r.Data.TryGetProperty("omitted", out _));
        Assert.True(omitted.Data.GetProperty("omitted").GetBoolean());
        Assert.Contains("more than an event carries", omitted.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AFinishedDeliveryCanBeRedeliveredThroughTheWholeScheduleAgain()
    {
        var subscription = (await _events.SubscribeAsync(Admin)).Subscription.Id;
        Receiver.Script(new ReceiverReply(400), new ReceiverReply(500));
        var id = await PublishAsync();
        await _events.DeliverDueAsync();
        var redeliver = $"/api/events/subscriptions/{subscription}/deliveries/{id}/redeliver";

        var accepted = await Admin.PostAsync(redeliver, null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("pending", (await accepted.Content.ReadFromJsonAsync<DeliveryView>(TestJson.Options))!.Status);
        await _events.DeliverDueAsync(); // 500: retried after the first back-off again, not the fourth
        Assert.Equal(Clock.GetUtcNow().AddSeconds(30), (await EventsApp.LogAsync(Admin, subscription)).Deliveries[0].NextAttemptAt);
        Assert.Equal(HttpStatusCode.Conflict, (await Admin.PostAsync(redeliver, null)).StatusCode); // still under way
        Clock.Advance(TimeSpan.FromSeconds(30));
        await _events.DeliverDueAsync();

        var delivered = Assert.Single((await EventsApp.LogAsync(Admin, subscription)).Deliveries);
        Assert.Equal("delivered", delivered.Status);
        Assert.Equal([400, 500, 200], delivered.Attempts.Select(a => a.StatusCode ?? 0));
        Assert.Equal([DeliveryAttempt.Failed, DeliveryAttempt.Retry, DeliveryAttempt.Delivered], delivered.Attempts.Select(a => a.Outcome));
        Assert.Equal(["1", "2", "3"], Receiver.Received.Select(r => r.Header("X-Webhook-Attempt")));
        Assert.All(Receiver.Received, r => Assert.Equal(id, r.Header("X-Webhook-Id")));

        Assert.Equal(HttpStatusCode.NotFound, (await Admin.PostAsync($"/api/events/subscriptions/{subscription}/deliveries/evt_{new string('0', 32)}/redeliver", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.PostAsync($"/api/events/subscriptions/{subscription}/deliveries/nope/redeliver", null)).StatusCode);
    }

    [Fact]
    public async Task ARedeliveryWhoseWorkItemIsPickedUpBeforeItsRowSaysPendingIsStillSent()
    {
        var subscription = (await _events.SubscribeAsync(Admin)).Subscription.Id;
        Receiver.Script(new ReceiverReply(400));
        var id = await PublishAsync();
        await _events.DeliverDueAsync();
        // A worker takes the work item the moment it is queued, before the delivery row is written back as pending.
        var racing = new RunsDeliveriesOnSend(_events.App.Get<IQueueStore>(), () => QueueDriver.RunAsync(_events.App.Api.App, "DeliverEvent"));
        var subscriptions = new EventSubscriptions(_events.App.Get<ITableStore>(), racing, Clock);

        var (outcome, _) = await subscriptions.RedeliverAsync("sb", subscription, id, default);
        Assert.Equal(RedeliveryOutcome.Queued, outcome);
        Clock.Advance(TimeSpan.FromSeconds(5));
        await _events.DeliverDueAsync();

        var delivered = Assert.Single((await EventsApp.LogAsync(Admin, subscription)).Deliveries);
        Assert.Equal(("delivered", 2), (delivered.Status, delivered.AttemptCount));
        Assert.Equal(2, Receiver.Received.Count);
    }

    /// <summary>A queue store that runs the delivery queue right after each send, as a fast worker would.</summary>
    private sealed class RunsDeliveriesOnSend(IQueueStore inner, Func<Task<int>> run) : IQueueStore
    {
        public string Kind => inner.Kind;
        public Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default) => inner.CreateQueueIfNotExistsAsync(queue, cancellationToken);

        public async Task<SentQueueMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        {
            var sent = await inner.SendAsync(queue, text, visibilityDelay, timeToLive, cancellationToken);
            await run();
            return sent;
        }

        public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
            inner.ReceiveAsync(queue, maxMessages, visibilityTimeout, cancellationToken);
        public Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) => inner.PeekAsync(queue, maxMessages, cancellationToken);
        public Task DeleteMessageAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default) =>
            inner.DeleteMessageAsync(queue, messageId, popReceipt, cancellationToken);
        public Task<QueueMessageLease> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
            inner.UpdateVisibilityAsync(queue, messageId, popReceipt, visibilityTimeout, cancellationToken);
        public Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken = default) => inner.GetApproximateMessageCountAsync(queue, cancellationToken);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
