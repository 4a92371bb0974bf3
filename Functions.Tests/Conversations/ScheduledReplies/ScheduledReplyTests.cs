using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Conversations.ScheduledReplies;
using Functions.Storage;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations.ScheduledReplies;

/// <summary>
/// Replies scheduled for later, with a manual clock and the timer and send queues run by the
/// test: sent at their time through the outbound path while the care window is open, refused
/// with the reason when it is not (or the conversation closed, or the customer opted out),
/// never sent once cancelled, and sent once however often the timer is delivered.
/// </summary>
public sealed class ScheduledReplyTests(ScheduledReplyTests.DrivenApp driven) : IClassFixture<ScheduledReplyTests.DrivenApp>
{
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await SendingApp.StartAsync(driven: true);

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;

    private DateTimeOffset Now => _app.Clock!.GetUtcNow();

    private static int _phones;

    private static string NewPhone() => $"+4670555{Interlocked.Increment(ref _phones):D4}";

    private async Task<(Conversation Conversation, string Phone)> CustomerWroteAsync(DateTimeOffset? at = null)
    {
        var phone = NewPhone();
        return (await _app.CustomerWritesAsync("mt", phone, at ?? Now), phone);
    }

    private int MetaSendsTo(string phone) => _app.Meta.Requests.Count(r =>
    {
        using var body = JsonDocument.Parse(r.Body);
        return body.RootElement.GetProperty("to").GetString() == phone;
    });

    private Task<int> RunTimersAsync() => QueueDriver.RunAsync(_app.Api.App, "SendScheduledReply");

    private async Task<ScheduledReplyView> ScheduleAsync(string conversationId, DateTimeOffset sendAt, string text = "We have news about your order.")
    {
        var response = await _app.MetaAdmin.PostAsJsonAsync($"/api/conversations/{conversationId}/scheduled-replies", new { sendAt, type = "text", text });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var reply = (await response.Content.ReadFromJsonAsync<ScheduledReplyView>(TestJson.Options))!;
        Assert.Equal($"/api/conversations/{conversationId}/scheduled-replies/{reply.Id}", response.Headers.Location?.OriginalString);
        return reply;
    }

    private async Task<ScheduledReplyView> ReadAsync(string conversationId, string replyId) =>
        (await _app.MetaAdmin.GetFromJsonAsync<ScheduledReplyView>($"/api/conversations/{conversationId}/scheduled-replies/{replyId}", TestJson.Options))!;

    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Unauthorized) return default;
        var problem = await SendingApp.ReadProblemAsync(response);
        if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names '{field}': {problem}");
        return problem;
    }

    [Fact]
    public async Task AReplyIsSentAtItsTimeThroughTheOutboundPathWhileTheWindowIsOpen()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(2));
        Assert.Equal((ScheduledReplyStatus.Scheduled, "text", "We have news about your order."), (reply.Status, reply.Message.Type, reply.Message.Text));
        Assert.Empty(reply.Warnings!);

        _app.Clock!.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        await RunTimersAsync();
        Assert.Equal(ScheduledReplyStatus.Scheduled, (await ReadAsync(conversation.Id, reply.Id)).Status);

        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await RunTimersAsync();
        var sent = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Sent, Now), (sent.Status, sent.SentAt));
        Assert.Null(sent.Refusal);

        await _app.RunSendsAsync();
        Assert.Equal(1, MetaSendsTo(phone));
        var message = await SendingApp.GetMessageAsync(_app.MetaAdmin, sent.MessageId!);
        Assert.Equal((conversation.Id, "We have news about your order.", MessageDirection.Outbound), (message.ConversationId, message.Text, message.Direction));
    }

    [Fact]
    public async Task AReplyDueAfterTheWindowClosedIsAcceptedWithAWarningAndRefusedWithTheCloseTime()
    {
        var wrote = Now;
        var (conversation, phone) = await CustomerWroteAsync(wrote);

        var reply = await ScheduleAsync(conversation.Id, wrote + TimeSpan.FromHours(25));
        var warning = Assert.Single(reply.Warnings!);
        Assert.Equal(("care_window_closed", wrote + TimeSpan.FromHours(24)), (warning.Code, warning.WindowExpiresAt));

        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromHours(25));
        await RunTimersAsync();

        var refused = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Refused, "care_window_closed", wrote + TimeSpan.FromHours(24), Now),
            (refused.Status, refused.Refusal!.Code, refused.Refusal.WindowClosedAt, refused.RefusedAt));
        Assert.Null(refused.MessageId);
        await _app.RunSendsAsync();
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task ACustomerWhoWritesAgainBeforeTheReplysTimeRenewsTheWindowForIt()
    {
        var wrote = Now;
        var (conversation, phone) = await CustomerWroteAsync(wrote);
        var reply = await ScheduleAsync(conversation.Id, wrote + TimeSpan.FromHours(25));
        Assert.Single(reply.Warnings!);

        await _app.CustomerWritesAsync("mt", phone, wrote + TimeSpan.FromHours(20), "Any news?");
        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromHours(25));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        Assert.Equal(ScheduledReplyStatus.Sent, (await ReadAsync(conversation.Id, reply.Id)).Status);
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task ACancelledReplyIsNeverSent()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));

        var cancel = await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = (await cancel.Content.ReadFromJsonAsync<ScheduledReplyView>(TestJson.Options))!;
        Assert.Equal((ScheduledReplyStatus.Cancelled, Now), (cancelled.Status, cancelled.CancelledAt));
        Assert.NotNull(cancelled.CancelledBy);
        // Again: the same answer.
        Assert.Equal(cancelled, await (await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null))
            .Content.ReadFromJsonAsync<ScheduledReplyView>(TestJson.Options));

        _app.Clock!.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        Assert.Equal(cancelled, await ReadAsync(conversation.Id, reply.Id));
        Assert.Equal(0, MetaSendsTo(phone));
        var list = await _app.MetaAdmin.GetFromJsonAsync<ScheduledReplyPage>($"/api/conversations/{conversation.Id}/scheduled-replies?status=cancelled", TestJson.Options);
        Assert.Equal([reply.Id], list!.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task AReplyWhoseTimeCameCannotBeCancelled()
    {
        var (conversation, _) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromMinutes(5));
        _app.Clock!.Advance(TimeSpan.FromMinutes(5));
        await RunTimersAsync();

        var cancel = await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null);
        var problem = await AssertRefusedAsync(cancel, HttpStatusCode.Conflict);
        var sent = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal(("scheduled_reply_not_pending", "sent", sent.MessageId), (problem.GetProperty("code").GetString(), problem.GetProperty("status").GetString(), problem.GetProperty("messageId").GetString()));
        Assert.Equal(ScheduledReplyStatus.Sent, sent.Status);
        await _app.RunSendsAsync();
    }

    [Fact]
    public async Task ARedeliveredTimerSendsOnceEvenAfterAStopBetweenAcceptingAndRecordingIt()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));
        var timer = JsonSerializer.Serialize(new ScheduledReplyDue("mt", conversation.Id, reply.Id), JsonSerializerOptions.Web);
        await _app.Get<IQueueStore>().SendAsync(ScheduledReplyStore.Queue, timer, TimeSpan.FromHours(1)); // the queue delivers it twice

        _app.Clock!.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        await _app.RunSendsAsync();
        var sent = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal(ScheduledReplyStatus.Sent, sent.Status);
        Assert.Equal(1, MetaSendsTo(phone));

        // A worker that stopped after the message was accepted but before the reply said so; the conversation closed since.
        await _app.Get<ScheduledReplyStore>().ChangeAsync("mt", conversation.Id, reply.Id,
            r => r with { Status = ScheduledReplyStatus.Sending, MessageId = null, SentAt = null }, default);
        await _app.Get<ConversationStore>().CloseAsync("mt", conversation.Id, default);
        await _app.Get<IQueueStore>().SendAsync(ScheduledReplyStore.Queue, timer);
        await RunTimersAsync();
        await _app.RunSendsAsync();

        var again = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Sent, sent.MessageId), (again.Status, again.MessageId));
        Assert.Equal(1, MetaSendsTo(phone));
        var history = await _app.MetaAdmin.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation.Id}/messages", TestJson.Options);
        Assert.Single(history!.Items, m => m.Direction == MessageDirection.Outbound);
    }

    [Fact]
    public async Task ATimerRedeliveredAfterAStopHalfWayThroughAcceptingFinishesTheSameMessage()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));
        _app.Clock!.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        var sent = await ReadAsync(conversation.Id, reply.Id);

        // As if the worker had stopped after storing the message but before queueing it, a minute ago.
        var trace = (await _app.Get<ITableStore>().GetEntityIfExistsAsync(Functions.Outbound.MessageTrace.Table, $"mt|{sent.MessageId}", Functions.Outbound.TraceKeys.Queued))!;
        await _app.Get<ITableStore>().DeleteAsync(Functions.Outbound.MessageTrace.Table, trace.PartitionKey, trace.RowKey, Azure.ETag.All);
        await _app.Get<ScheduledReplyStore>().ChangeAsync("mt", conversation.Id, reply.Id,
            r => r with { Status = ScheduledReplyStatus.Sending, MessageId = null, SentAt = null }, default);
        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        await _app.Get<IQueueStore>().SendAsync(ScheduledReplyStore.Queue, JsonSerializer.Serialize(new ScheduledReplyDue("mt", conversation.Id, reply.Id), JsonSerializerOptions.Web));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        var again = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Sent, sent.MessageId), (again.Status, again.MessageId));
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task ATimerOnItsLastTryWhileItsMessageIsStillBeingAcceptedComesBackLaterInsteadOfLeavingTheReplySending()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));
        // A delivery of the timer claimed the reply and its send's key a moment ago, then failed before writing the message.
        var (stored, _) = await _app.Get<ScheduledReplyStore>().ChangeAsync("mt", conversation.Id, reply.Id, r => r with { Status = ScheduledReplyStatus.Sending }, default);
        var made = new ConversationMessage(ConversationMessage.NewId(Now), conversation.Id, MessageDirection.Outbound, MessageKind.Text, Now, DeliveryStatus.Queued);
        await _app.Get<ITableStore>().InsertAsync(ConversationMessage.IndexTable, new TableEntity("mt", "k:" + Functions.Outbound.OutboundMessages.Hash(stored!.IdempotencyKey))
        {
            ["MessageId"] = made.Id,
            ["ConversationId"] = conversation.Id,
            ["MessageRowKey"] = made.RowKey,
            ["RequestHash"] = Functions.Outbound.OutboundMessages.Hash("scheduled-reply\n" + reply.Id + "\n" + ScheduledReply.MessageJson(stored.Message)),
            ["ClaimedOn"] = Now,
        });

        // The queue's last try (the next failure would move the timer to the poison queue, the reply Sending for good).
        var function = (Functions.Hosting.QueueFunction)_app.Get<Functions.Hosting.FunctionCatalog>().Find("SendScheduledReply")!;
        var last = _app.Get<Microsoft.Extensions.Options.IOptions<Functions.Hosting.QueueRunnerOptions>>().Value.MaxDequeueCount;
        await _app.Get<Functions.Hosting.FunctionInvoker>().InvokeQueueAsync(function, new Functions.Hosting.QueueInvocation(function.Name, function.QueueName,
            JsonSerializer.Serialize(new ScheduledReplyDue("mt", conversation.Id, reply.Id), JsonSerializerOptions.Web), "m1", last, Now), default);
        Assert.Equal(ScheduledReplyStatus.Sending, (await ReadAsync(conversation.Id, reply.Id)).Status);

        _app.Clock!.Advance(Functions.Outbound.OutboundMessages.InProgressFor);
        await RunTimersAsync();
        _app.Clock.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        var sent = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Sent, made.Id), (sent.Status, sent.MessageId));
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AConversationClosedOrACustomerWhoOptedOutMeanwhileRefusesTheReply()
    {
        var (closing, closingPhone) = await CustomerWroteAsync();
        var (stopping, stoppingPhone) = await CustomerWroteAsync();
        var toClosed = await ScheduleAsync(closing.Id, Now + TimeSpan.FromHours(1));
        var toOptedOut = await ScheduleAsync(stopping.Id, Now + TimeSpan.FromHours(1));

        await _app.Get<ConversationStore>().CloseAsync("mt", closing.Id, default);
        await _app.ConsentAsync("mt", stoppingPhone, ConsentPurpose.Utility, ConsentState.OptedOut);
        _app.Clock!.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        Assert.Equal((ScheduledReplyStatus.Refused, "conversation_closed"), ((await ReadAsync(closing.Id, toClosed.Id)).Status, (await ReadAsync(closing.Id, toClosed.Id)).Refusal!.Code));
        Assert.Equal((ScheduledReplyStatus.Refused, "recipient_opted_out"), ((await ReadAsync(stopping.Id, toOptedOut.Id)).Status, (await ReadAsync(stopping.Id, toOptedOut.Id)).Refusal!.Code));
        Assert.Equal(0, MetaSendsTo(closingPhone) + MetaSendsTo(stoppingPhone));
    }

    [Fact]
    public async Task AReplyBeyondTheQueuesSevenDaysWaitsInAChainOfTimers()
    {
        var wrote = Now;
        var (conversation, phone) = await CustomerWroteAsync(wrote);
        var reply = await ScheduleAsync(conversation.Id, wrote + TimeSpan.FromDays(10));

        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromDays(7));
        await RunTimersAsync(); // the first timer comes early and sets the next
        Assert.Equal(ScheduledReplyStatus.Scheduled, (await ReadAsync(conversation.Id, reply.Id)).Status);

        await _app.CustomerWritesAsync("mt", phone, wrote + TimeSpan.FromDays(9.5));
        _app.Clock.SetUtcNow(wrote + TimeSpan.FromDays(10));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        Assert.Equal(ScheduledReplyStatus.Sent, (await ReadAsync(conversation.Id, reply.Id)).Status);
        Assert.Equal(1, MetaSendsTo(phone));
    }

    [Fact]
    public async Task AnApprovedTemplateMayBeScheduledPastTheWindowWithoutAWarning()
    {
        await _app.ApprovedTemplateAsync("mt", "scheduled_update");
        var wrote = Now;
        var (conversation, phone) = await CustomerWroteAsync(wrote);

        var response = await _app.MetaAdmin.PostAsJsonAsync($"/api/conversations/{conversation.Id}/scheduled-replies", new
        {
            sendAt = wrote + TimeSpan.FromDays(2),
            type = "template",
            template = new { name = "scheduled_update", language = "en", parameters = new Dictionary<string, string> { ["1"] = "#1042", ["2"] = "delivered" } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var reply = (await response.Content.ReadFromJsonAsync<ScheduledReplyView>(TestJson.Options))!;
        Assert.Empty(reply.Warnings!);

        _app.Clock!.SetUtcNow(wrote + TimeSpan.FromDays(2));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        var sent = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal(ScheduledReplyStatus.Sent, sent.Status);
        Assert.Equal(1, MetaSendsTo(phone));
        Assert.Equal(MessageKind.Template, (await SendingApp.GetMessageAsync(_app.MetaAdmin, sent.MessageId!)).Type);
    }

    [Fact]
    public async Task ATemplatePausedBeforeItsTimeIsRefusedAsUnavailable()
    {
        await _app.ApprovedTemplateAsync("mt", "paused_update", body: "Your order has an update.");
        var (conversation, phone) = await CustomerWroteAsync();
        var response = await _app.MetaAdmin.PostAsJsonAsync($"/api/conversations/{conversation.Id}/scheduled-replies", new
        {
            sendAt = Now + TimeSpan.FromHours(1), type = "template", template = new { name = "paused_update", language = "en" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var reply = (await response.Content.ReadFromJsonAsync<ScheduledReplyView>(TestJson.Options))!;

        await _app.Get<Functions.Templates.TemplateStore>().UpdateAsync("mt", "paused_update", "en", 1, "paused",
            t => t with { Status = Functions.Templates.TemplateStatus.Paused }, default);
        _app.Clock!.Advance(TimeSpan.FromHours(1));
        await RunTimersAsync();
        await _app.RunSendsAsync();

        var refused = await ReadAsync(conversation.Id, reply.Id);
        Assert.Equal((ScheduledReplyStatus.Refused, "template_unavailable"), (refused.Status, refused.Refusal!.Code));
        Assert.Contains("not approved", refused.Refusal.Detail, StringComparison.Ordinal);
        Assert.Equal(0, MetaSendsTo(phone));
    }

    [Fact]
    public async Task RepliesListNewestFirstInPagesAndByStatus()
    {
        var (conversation, _) = await CustomerWroteAsync();
        var first = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(3));
        _app.Clock!.Advance(TimeSpan.FromSeconds(1));
        var second = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(3));
        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(3));
        (await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{second.Id}/cancel", null)).EnsureSuccessStatusCode();

        var page = (await _app.MetaAdmin.GetFromJsonAsync<ScheduledReplyPage>($"/api/conversations/{conversation.Id}/scheduled-replies?pageSize=2", TestJson.Options))!;
        Assert.Equal([third.Id, second.Id], page.Items.Select(r => r.Id));
        var rest = (await _app.MetaAdmin.GetFromJsonAsync<ScheduledReplyPage>(
            $"/api/conversations/{conversation.Id}/scheduled-replies?pageSize=2&continuationToken={Uri.EscapeDataString(page.ContinuationToken!)}", TestJson.Options))!;
        Assert.Equal([first.Id], rest.Items.Select(r => r.Id));
        var waiting = (await _app.MetaAdmin.GetFromJsonAsync<ScheduledReplyPage>($"/api/conversations/{conversation.Id}/scheduled-replies?status=Scheduled", TestJson.Options))!;
        Assert.Equal([third.Id, first.Id], waiting.Items.Select(r => r.Id));
        Assert.All(waiting.Items, r => Assert.Null(r.Warnings));

        foreach (var reply in new[] { first, third })
        {
            (await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null)).EnsureSuccessStatusCode();
        }
    }

    private async Task<(int Rows, int Timers)> StateAsync(string conversationId) => (
        (await _app.Get<ITableStore>().QueryAllAsync(ScheduledReply.Table, new TableQuery(ScheduledReply.Partition("mt", conversationId)))).Count,
        await _app.Get<IQueueStore>().GetApproximateMessageCountAsync(ScheduledReplyStore.Queue));

    public static TheoryData<string, string, HttpStatusCode, string?> BadReplies => new()
    {
        { "no sendAt", """{"type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "sendAt not a time", """{"sendAt":"tomorrow","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "sendAt without an offset", """{"sendAt":"{in1h-local}","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "sendAt in the past", """{"sendAt":"{past}","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "sendAt now", """{"sendAt":"{now}","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "sendAt over 30 days ahead", """{"sendAt":"{in31d}","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "sendAt" },
        { "a recipient", """{"sendAt":"{in1h}","to":"+46700000000","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "to" },
        { "a reaction", """{"sendAt":"{in1h}","type":"reaction","reaction":{"messageId":"msg0000000000000000000","emoji":"👍"}}""", HttpStatusCode.BadRequest, "type" },
        { "unknown type", """{"sendAt":"{in1h}","type":"fax","text":"hi"}""", HttpStatusCode.BadRequest, "type" },
        { "no text", """{"sendAt":"{in1h}","type":"text"}""", HttpStatusCode.BadRequest, "text" },
        { "text too long", $$"""{"sendAt":"{in1h}","type":"text","text":"{{new string('a', 4097)}}"}""", HttpStatusCode.BadRequest, "text" },
        { "four buttons", """{"sendAt":"{in1h}","type":"interactive","interactive":{"body":"Pick","buttons":[{"id":"a","title":"A"},{"id":"b","title":"B"},{"id":"c","title":"C"},{"id":"d","title":"D"}]}}""", HttpStatusCode.BadRequest, "interactive.buttons" },
        { "template too big to keep", """{"sendAt":"{in1h}","type":"template","template":{"name":"scheduled_update","parameters":{""" + string.Join(",", Enumerable.Range(1, 30).Select(i => $"\"{i}\":\"{new string('p', 1024)}\"")) + "}}}", HttpStatusCode.BadRequest, "template.parameters" },
        { "unknown template", """{"sendAt":"{in1h}","type":"template","template":{"name":"no_such_template"}}""", HttpStatusCode.NotFound, null },
        { "malformed JSON", """{"sendAt": """, HttpStatusCode.BadRequest, null },
        { "oversized body", $$"""{"sendAt":"{in1h}","type":"text","text":"{{new string('a', 300_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task ABadReplyIsRefusedNamingTheFieldAndNothingIsScheduled(string why, string json, HttpStatusCode status, string? field)
    {
        var (conversation, _) = await CustomerWroteAsync();
        var before = await StateAsync(conversation.Id);
        var body = json
            .Replace("{in1h-local}", (Now + TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ss"), StringComparison.Ordinal)
            .Replace("{in1h}", (Now + TimeSpan.FromHours(1)).ToString("O"), StringComparison.Ordinal)
            .Replace("{past}", (Now - TimeSpan.FromMinutes(1)).ToString("O"), StringComparison.Ordinal)
            .Replace("{now}", Now.ToString("O"), StringComparison.Ordinal)
            .Replace("{in31d}", (Now + TimeSpan.FromDays(31)).ToString("O"), StringComparison.Ordinal);

        await AssertRefusedAsync(await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json")), status, field);

        Assert.True(before == await StateAsync(conversation.Id), $"{why}: nothing may be scheduled");
    }

    [Fact]
    public async Task AClosedConversationTakesNoScheduledReplyAndAConversationHoldsTwentyAtOnce()
    {
        var (closed, _) = await CustomerWroteAsync();
        await _app.Get<ConversationStore>().CloseAsync("mt", closed.Id, default);
        var refused = await _app.MetaAdmin.PostAsJsonAsync($"/api/conversations/{closed.Id}/scheduled-replies", new { sendAt = Now + TimeSpan.FromHours(1), text = "hi" });
        Assert.Equal("conversation_closed", (await AssertRefusedAsync(refused, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal(0, (await StateAsync(closed.Id)).Rows);

        var (busy, _) = await CustomerWroteAsync();
        var replies = new List<ScheduledReplyView>();
        for (var i = 0; i < ScheduledReply.MaxPendingPerConversation; i++) replies.Add(await ScheduleAsync(busy.Id, Now + TimeSpan.FromHours(1)));
        var full = await _app.MetaAdmin.PostAsJsonAsync($"/api/conversations/{busy.Id}/scheduled-replies", new { sendAt = Now + TimeSpan.FromHours(1), text = "one more" });
        Assert.Equal("too_many_scheduled_replies", (await AssertRefusedAsync(full, HttpStatusCode.Conflict)).GetProperty("code").GetString());

        // A cancelled one no longer counts.
        (await _app.MetaAdmin.PostAsync($"/api/conversations/{busy.Id}/scheduled-replies/{replies[0].Id}/cancel", null)).EnsureSuccessStatusCode();
        replies.Add(await ScheduleAsync(busy.Id, Now + TimeSpan.FromHours(1)));
        foreach (var reply in replies.Skip(1))
        {
            (await _app.MetaAdmin.PostAsync($"/api/conversations/{busy.Id}/scheduled-replies/{reply.Id}/cancel", null)).EnsureSuccessStatusCode();
        }
    }

    [Theory]
    [InlineData("status=later", "status")]
    [InlineData("status=1", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("continuationToken=not-a-token", "continuationToken")]
    public async Task BadListingIsRefusedNamingTheParameter(string query, string field)
    {
        var (conversation, _) = await CustomerWroteAsync();
        await AssertRefusedAsync(await _app.MetaAdmin.GetAsync($"/api/conversations/{conversation.Id}/scheduled-replies?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task EveryRouteNeedsAnAgentOrAdminKey()
    {
        var (conversation, _) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));
        var agent = await _app.ClientAsync("mt", "agent");
        var before = await StateAsync(conversation.Id);
        var orders = await _app.ClientAsync("mt", "orders");
        var body = JsonContent.Create(new { sendAt = Now + TimeSpan.FromHours(1), text = "hi" });

        foreach (var (client, status) in new[] { (_app.Api.Client(null), HttpStatusCode.Unauthorized), (orders, HttpStatusCode.Forbidden), (_app.Api.Operator(), HttpStatusCode.Forbidden) })
        {
            await AssertRefusedAsync(await client.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies", body), status);
            await AssertRefusedAsync(await client.GetAsync($"/api/conversations/{conversation.Id}/scheduled-replies"), status);
            await AssertRefusedAsync(await client.GetAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}"), status);
            await AssertRefusedAsync(await client.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null), status);
        }
        Assert.Equal(before, await StateAsync(conversation.Id));
        Assert.Equal(ScheduledReplyStatus.Scheduled, (await ReadAsync(conversation.Id, reply.Id)).Status);

        // An agent may do all of it.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task AnotherTenantsConversationAndRepliesAreNotFound()
    {
        var (conversation, phone) = await CustomerWroteAsync();
        var reply = await ScheduleAsync(conversation.Id, Now + TimeSpan.FromHours(1));
        var own = await _app.CustomerWritesAsync("sb", phone, Now);
        var sandbox = _app.SandboxAdmin;
        var before = await StateAsync(conversation.Id);

        await AssertRefusedAsync(await sandbox.PostAsJsonAsync($"/api/conversations/{conversation.Id}/scheduled-replies", new { sendAt = Now + TimeSpan.FromHours(1), text = "hi" }), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{conversation.Id}/scheduled-replies"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{own.Id}/scheduled-replies/{reply.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.PostAsync($"/api/conversations/{own.Id}/scheduled-replies/{reply.Id}/cancel", null), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await _app.MetaAdmin.PostAsJsonAsync("/api/conversations/cv0000000000000000000/scheduled-replies", new { sendAt = Now + TimeSpan.FromHours(1), text = "hi" }), HttpStatusCode.NotFound);

        Assert.Equal(before, await StateAsync(conversation.Id));
        Assert.Equal(ScheduledReplyStatus.Scheduled, (await ReadAsync(conversation.Id, reply.Id)).Status);
        (await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}/cancel", null)).EnsureSuccessStatusCode();
    }
}
