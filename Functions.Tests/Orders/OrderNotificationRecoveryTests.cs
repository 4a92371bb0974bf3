using System.Net;
using System.Text.Json;
using Functions.Channels;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Orders;
using Functions.Outbound;
using Functions.Storage;
using Functions.Tenants;
using Functions.Tests.Outbound;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Orders;

/// <summary>
/// Nothing is lost when the app stops half way through an event: the order system retries an
/// event it got no answer for, and the retry finishes what the first request left, sending the
/// notification exactly once; an event it never retries is finished by the
/// <see cref="PendingNotificationsTimer"/> once the grace has passed (tenant "mt" on the fake Meta server, driven mode). A crash is
/// played by doing the first request's steps by hand up to where it stopped.
/// </summary>
public sealed class OrderNotificationRecoveryTests(OrderEventRulesTests.DrivenApp driven) : IClassFixture<OrderEventRulesTests.DrivenApp>
{
    private readonly SendingApp _app = driven.App;
    private readonly HttpClient _orders = driven.Orders;
    private DateTimeOffset Now => _app.Clock!.GetUtcNow();

    private int SentTo(string phone) =>
        _app.Meta.Requests.Count(r => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && r.Body.Contains(phone[1..], StringComparison.Ordinal));

    /// <summary>Records the event as the endpoint would, and stops there (the "crash").</summary>
    private async Task<(Tenant Tenant, OrderEventInput Input)> RecordOnlyAsync(Dictionary<string, object?> body)
    {
        var tenant = (await _app.Get<TenantDirectory>().FindAsync("mt", default))!;
        var errors = new Dictionary<string, string[]>();
        var request = OrderEventValidation.Read(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web), errors)!;
        var input = OrderEventValidation.Validate(request, tenant, Now, OrderEventValidation.Hash(request), errors);
        Assert.Empty(errors);
        var recorded = await _app.Get<OrderStore>().RecordAsync("mt", input!, default);
        Assert.Equal(NotificationOutcome.Pending, recorded.Event.Outcome);
        return (tenant, input!);
    }

    /// <summary>
    /// Records the event, and goes as far as claiming the Idempotency-Key for its message (id and
    /// row chosen), then stops; returns the claimed message id.
    /// </summary>
    private async Task<string> RecordAndClaimOnlyAsync(Dictionary<string, object?> body, string phone)
    {
        var (tenant, input) = await RecordOnlyAsync(body);
        var (conversation, _) = await _app.Get<ConversationStore>().OpenForAsync("mt", ProviderAccounts.SenderId(tenant.Provider), phone, default);
        var claimedId = ConversationMessage.NewId(Now);
        await _app.Get<ITableStore>().InsertAsync(OutboundMessages.IndexTable, new TableEntity("mt", "k:" + OutboundMessages.Hash(OrderNotifications.IdempotencyKey(input.EventId)))
        {
            ["MessageId"] = claimedId,
            ["ConversationId"] = conversation.Id,
            ["MessageRowKey"] = new ConversationMessage(claimedId, conversation.Id, MessageDirection.Outbound, MessageKind.Template, Now, DeliveryStatus.Queued).RowKey,
            ["RequestHash"] = OutboundMessages.Hash(input.EventId + "\n" + input.RequestHash),
            ["ClaimedOn"] = Now,
        });
        return claimedId;
    }

    /// <summary>The order system sends the event twice more; the notification goes out once, and the event says sent with that one message.</summary>
    private async Task<OrderMessageView> RetriedTwiceIsSentOnceAsync(Dictionary<string, object?> body, string phone)
    {
        var retry = await _orders.PostEventAsync(body);
        var again = await _orders.PostEventAsync(body);
        await _app.RunSendsAsync();

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(1, SentTo(phone));
        var e = Assert.Single((await _app.MetaAdmin.GetOrderAsync((string)body["orderId"]!)).History!);
        Assert.Equal(NotificationOutcome.Sent, e.Notification.Outcome);
        return Assert.Single(e.Notification.Messages);
    }

    [Fact]
    public async Task AnEventRecordedButNotYetSentIsSentOnceWhenTheOrderSystemRetriesIt()
    {
        const string phone = "+46705520001";
        var body = OrdersApp.Event("REC-1", OrderStatus.Paid, phone, Now.AddMinutes(-5), "rec-event-1");
        await RecordOnlyAsync(body);
        await _app.RunSendsAsync();
        Assert.Equal(0, SentTo(phone));

        await RetriedTwiceIsSentOnceAsync(body, phone);
    }

    [Fact]
    public async Task AMessageClaimedJustBeforeACrashIsFinishedUnderItsOwnIdAndSentOnce()
    {
        const string phone = "+46705520002";
        var body = OrdersApp.Event("REC-2", OrderStatus.Paid, phone, Now.AddMinutes(-5), "rec-event-2");
        var claimedId = await RecordAndClaimOnlyAsync(body, phone);

        // While the first request could still be at work, a retry neither sends nor queues a second message.
        var early = await _orders.PostEventAsync(body);
        await _app.RunSendsAsync();
        Assert.Equal(HttpStatusCode.Accepted, early.StatusCode);
        Assert.Equal(0, SentTo(phone));

        // Once it clearly stopped, the next retry finishes the claimed message, under its id, once.
        _app.Clock!.Advance(OutboundMessages.InProgressFor + TimeSpan.FromSeconds(1));
        Assert.Equal(claimedId, (await RetriedTwiceIsSentOnceAsync(body, phone)).Id);
    }

    private async Task SweepAsync()
    {
        using var scope = _app.Api.App.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<PendingNotificationsTimer>()
            .RunAsync(new TimerInvocation("FinishPendingOrderNotifications", Now, IsPastDue: false), default);
    }

    private async Task<IReadOnlyList<PendingNotification>> MarkersOfAsync(string orderId) =>
        [.. (await _app.Get<OrderStore>().PendingNotificationsAsync("mt", DateTimeOffset.MaxValue.AddDays(-1), 1000, default)).Where(m => m.OrderId == orderId)];

    [Fact]
    public async Task AnEventRecordedButNeverRetriedIsSentOnceByTheSweepOnceTheGraceHasPassed()
    {
        const string phone = "+46705520003";
        var body = OrdersApp.Event("REC-3", OrderStatus.Shipped, phone, Now.AddMinutes(-5), "rec-event-3");
        await RecordOnlyAsync(body);
        Assert.Single(await MarkersOfAsync("REC-3"));

        await SweepAsync(); // its request may still be at work: left alone
        await _app.RunSendsAsync();
        Assert.Equal(0, SentTo(phone));

        _app.Clock!.Advance(PendingNotificationsTimer.Grace + TimeSpan.FromSeconds(1));
        await SweepAsync();
        await SweepAsync();
        await _app.RunSendsAsync();

        Assert.Equal(1, SentTo(phone));
        var e = Assert.Single((await _app.MetaAdmin.GetOrderAsync("REC-3")).History!);
        Assert.Equal(NotificationOutcome.Sent, e.Notification.Outcome);
        Assert.Empty(await MarkersOfAsync("REC-3"));

        await _orders.PostEventAsync(body); // a late retry of the order system: the same answer, nothing sent
        await _app.RunSendsAsync();
        Assert.Equal(1, SentTo(phone));
    }

    [Fact]
    public async Task AMessageClaimedJustBeforeACrashIsFinishedByTheSweepUnderItsOwnIdOnce()
    {
        const string phone = "+46705520004";
        var body = OrdersApp.Event("REC-4", OrderStatus.Paid, phone, Now.AddMinutes(-5), "rec-event-4");
        var claimedId = await RecordAndClaimOnlyAsync(body, phone);

        _app.Clock!.Advance(PendingNotificationsTimer.Grace + TimeSpan.FromSeconds(1));
        await SweepAsync();
        await SweepAsync();
        await _app.RunSendsAsync();

        Assert.Equal(1, SentTo(phone));
        var e = Assert.Single((await _app.MetaAdmin.GetOrderAsync("REC-4")).History!);
        Assert.Equal((NotificationOutcome.Sent, claimedId), (e.Notification.Outcome, Assert.Single(e.Notification.Messages).Id));
        Assert.Empty(await MarkersOfAsync("REC-4"));
    }

    [Fact]
    public async Task AnEventSettledByItsOwnRequestLeavesNoMarkerAndOneRecordedWithoutAMarkerStillSettles()
    {
        var settled = await _orders.PostEventAsync(OrdersApp.Event("REC-5", OrderStatus.Paid, "+46705520005", Now.AddMinutes(-5), "rec-event-5"));
        Assert.Equal(HttpStatusCode.Accepted, settled.StatusCode);
        Assert.Empty(await MarkersOfAsync("REC-5"));

        // As if recorded before markers existed: the outcome is stored without one.
        const string phone = "+46705520006";
        var body = OrdersApp.Event("REC-6", OrderStatus.Paid, phone, Now.AddMinutes(-5), "rec-event-6");
        await RecordOnlyAsync(body);
        var marker = Assert.Single(await MarkersOfAsync("REC-6"));
        await _app.Get<ITableStore>().DeleteAsync(Order.Table, "mt", marker.RowKey, Azure.ETag.All);
        await RetriedTwiceIsSentOnceAsync(body, phone);
    }
}
