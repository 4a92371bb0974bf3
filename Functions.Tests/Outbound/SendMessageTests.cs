using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Outbound;
using Functions.Tests.Channels.Meta;
using Functions.Tests.Channels.Twilio;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Outbound;

/// <summary>
/// Sending end to end on the whole app, in real time: the API accepts, the queue function sends
/// over real HTTP to fake Meta and Twilio servers on 127.0.0.1, and signed status webhooks move
/// the message on. Each test uses its own customer number, so they share one app safely.
/// </summary>
public sealed class SendMessageTests(SendMessageTests.LiveApp live) : IClassFixture<SendMessageTests.LiveApp>
{
    /// <summary>One app for the class: tests run one after another within it and each uses its own customer.</summary>
    public sealed class LiveApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await SendingApp.StartAsync(new Dictionary<string, string?> { ["Outbound:MaxAttempts"] = "3" });

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = live.App;

    private static string Phone(int n) => $"+4670111{n:D4}";

    private Task<HttpResponseMessage> SendTextAsync(HttpClient client, string to, string text = "Your parcel is on its way.") =>
        client.PostAsJsonAsync("/api/messages", new { to, type = "text", text });

    private IReadOnlyList<GraphRequest> MetaSendsTo(string phone) => [.. _app.Meta.Requests.Where(r => IsTo(r, phone))];

    /// <summary>Whether a Graph request sends to <paramref name="phone"/> (read as JSON: the writer escapes '+').</summary>
    private static bool IsTo(GraphRequest request, string phone)
    {
        using var body = JsonDocument.Parse(request.Body);
        return body.RootElement.TryGetProperty("to", out var to) && to.GetString() == phone;
    }

    [Fact]
    public async Task AReplyInTheWindowGoesToMetaAndStatusCallbacksOnlyMoveItForward()
    {
        var phone = Phone(1);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-5));

        var response = await SendTextAsync(_app.MetaAdmin, phone);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await SendingApp.ReadMessageAsync(response);
        Assert.Equal($"/api/messages/{accepted.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal((DeliveryStatus.Queued, MessageDirection.Outbound, MessageKind.Text, "service"), (accepted.Status, accepted.Direction, accepted.Type, accepted.Purpose));
        var sent = await SendingApp.WaitForAsync(_app.MetaAdmin, accepted.Id, m => m.ProviderMessageId is not null, "Meta accepted the send");

        var request = Assert.Single(MetaSendsTo(phone));
        Assert.Equal($"/v25.0/{SendingApp.PhoneNumberId}/messages", request.PathAndQuery);
        Assert.Equal($"Bearer {SendingApp.MetaToken}", request.Header("Authorization"));
        using (var body = JsonDocument.Parse(request.Body))
        {
            Assert.Equal("whatsapp", body.RootElement.GetProperty("messaging_product").GetString());
            Assert.Equal("text", body.RootElement.GetProperty("type").GetString());
            Assert.Equal("Your parcel is on its way.", body.RootElement.GetProperty("text").GetProperty("body").GetString());
            Assert.Equal(accepted.Id, body.RootElement.GetProperty("biz_opaque_callback_data").GetString());
        }
        Assert.Equal(("meta", 1), (sent.Provider, sent.Attempts));

        // Read arrives before delivered, then a late "sent": the status only moves forward; each time is kept.
        var t = DateTimeOffset.UtcNow.AddSeconds(5); // after the send, as real callbacks are
        Assert.Equal(HttpStatusCode.OK, (await _app.PostMetaWebhookAsync(SendingApp.MetaStatus(sent.ProviderMessageId!, "read", t.AddSeconds(20)))).StatusCode);
        await SendingApp.WaitForAsync(_app.MetaAdmin, accepted.Id, m => m.Status == DeliveryStatus.Read, "the read status was applied");
        await _app.PostMetaWebhookAsync(SendingApp.MetaStatus(sent.ProviderMessageId!, "delivered", t.AddSeconds(10)));
        await _app.PostMetaWebhookAsync(SendingApp.MetaStatus(sent.ProviderMessageId!, "sent", t));
        var settled = await SendingApp.WaitForAsync(_app.MetaAdmin, accepted.Id,
            m => m.Times.SentAt == t.TruncateToSeconds() && m.Times.DeliveredAt == t.AddSeconds(10).TruncateToSeconds(), "the late callbacks filled in their times");
        Assert.Equal(DeliveryStatus.Read, settled.Status);

        var steps = settled.Trace!.Select(e => e.Step).ToList();
        Assert.Equal(["accepted", "queued", "provider-request", "provider-answer"], steps.Take(4));
        Assert.Equal(3, steps.Count(s => s == TraceEntry.Steps.StatusCallback));
        var conversation = await _app.MetaAdmin.GetFromJsonAsync<ConversationView>($"/api/conversations/{settled.ConversationId}", TestJson.Options);
        Assert.Equal("Your parcel is on its way.", conversation!.LastMessagePreview);
    }

    [Fact]
    public async Task AFreeFormMessageAfterTheWindowClosedIs409SayingWhenAndNothingIsStoredOrSent()
    {
        var phone = Phone(2);
        var lastCustomerMessage = DateTimeOffset.UtcNow.AddHours(-25).TruncateToSeconds();
        var conversation = await _app.CustomerWritesAsync("mt", phone, lastCustomerMessage);

        var response = await SendTextAsync(_app.MetaAdmin, phone);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await SendingApp.ReadProblemAsync(response);
        Assert.Equal(SendRules.CareWindowClosed, problem.GetProperty("code").GetString());
        Assert.Equal(lastCustomerMessage.AddHours(24), problem.GetProperty("windowClosedAt").GetDateTimeOffset());
        Assert.Contains("template", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var messages = await _app.MetaAdmin.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation.Id}/messages", TestJson.Options);
        Assert.Equal(MessageDirection.Inbound, Assert.Single(messages!.Items).Direction);
        Assert.Empty(MetaSendsTo(phone));
    }

    [Fact]
    public async Task AFreeFormMessageToSomeoneWhoNeverWroteIs409AndOpensNoConversation()
    {
        var phone = Phone(3);
        var response = await SendTextAsync(_app.MetaAdmin, phone);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await SendingApp.ReadProblemAsync(response);
        Assert.Equal(SendRules.CareWindowClosed, problem.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, problem.GetProperty("windowClosedAt").ValueKind);
        Assert.Null(await _app.Get<ConversationStore>().FindOpenAsync("mt", SendingApp.PhoneNumberId, phone, default));
    }

    [Fact]
    public async Task ATemplateStartsAConversationAtAnyTimeWithItsComponents()
    {
        var phone = Phone(4);
        await _app.ApprovedTemplateAsync("mt", "order_shipped", "en_US", "Hi {{1}}, your order {{2}} has shipped.");
        var response = await _app.MetaAdmin.PostAsJsonAsync("/api/messages", new
        {
            to = "070-111 00 04", // the tenant's country code makes it E.164
            type = "template",
            template = new { name = "order_shipped", language = "en_US", parameters = new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#1042" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await SendingApp.ReadMessageAsync(response);
        Assert.Equal("utility", accepted.Purpose);
        await SendingApp.WaitForAsync(_app.MetaAdmin, accepted.Id, m => m.ProviderMessageId is not null, "Meta accepted the template");
        using var body = JsonDocument.Parse(Assert.Single(MetaSendsTo(phone)).Body);
        var template = body.RootElement.GetProperty("template");
        Assert.Equal(("order_shipped", "en_US"), (template.GetProperty("name").GetString(), template.GetProperty("language").GetProperty("code").GetString()));
        var parameters = template.GetProperty("components")[0].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("text").GetString());
        Assert.Equal(["Ada", "#1042"], parameters);
        var conversation = await _app.Get<ConversationStore>().FindOpenAsync("mt", SendingApp.PhoneNumberId, phone, default);
        Assert.Equal(accepted.ConversationId, conversation?.Id);
    }

    [Fact]
    public async Task MarketingNeedsAnOptInAndAnOptOutStopsUtilityTemplates()
    {
        var phone = Phone(5);
        await _app.ApprovedTemplateAsync("mt", "spring_sale", body: "Spring sale: 20% off everything this week.", category: Functions.Templates.TemplateCategory.Marketing);
        await _app.ApprovedTemplateAsync("mt", "order_note", body: "A note about your order from us.");
        object Template(string category) => new { to = phone, type = "template", template = new { name = category == "marketing" ? "spring_sale" : "order_note", language = "en" } };

        var noOptIn = await _app.MetaAdmin.PostAsJsonAsync("/api/messages", Template("marketing"));
        Assert.Equal(HttpStatusCode.Conflict, noOptIn.StatusCode);
        Assert.Equal(SendRules.NoMarketingOptIn, (await SendingApp.ReadProblemAsync(noOptIn)).GetProperty("code").GetString());

        await _app.ConsentAsync("mt", phone, ConsentPurpose.Marketing, ConsentState.OptedIn);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.MetaAdmin.PostAsJsonAsync("/api/messages", Template("marketing"))).StatusCode);

        await _app.ConsentAsync("mt", phone, ConsentPurpose.Utility, ConsentState.OptedOut);
        var optedOut = await _app.MetaAdmin.PostAsJsonAsync("/api/messages", Template("utility"));
        Assert.Equal(HttpStatusCode.Conflict, optedOut.StatusCode);
        Assert.Equal(SendRules.OptedOut, (await SendingApp.ReadProblemAsync(optedOut)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheSameIdempotencyKeyReturnsTheSameMessageAndSendsOnce()
    {
        var phone = Phone(6);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        HttpRequestMessage Request(string text) => new(HttpMethod.Post, "/api/messages")
        {
            Content = JsonContent.Create(new { to = phone, type = "text", text }),
            Headers = { { "Idempotency-Key", "order-1042-shipped" } },
        };

        var first = await _app.MetaAdmin.SendAsync(Request("Shipped!"));
        var again = await _app.MetaAdmin.SendAsync(Request("Shipped!"));
        var different = await _app.MetaAdmin.SendAsync(Request("Something else"));

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        var id = (await SendingApp.ReadMessageAsync(first)).Id;
        Assert.Equal(id, (await SendingApp.ReadMessageAsync(again)).Id);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);
        Assert.Equal("idempotency_key_reused", (await SendingApp.ReadProblemAsync(different)).GetProperty("code").GetString());
        await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.ProviderMessageId is not null, "it was sent");
        await Task.Delay(300); // give a second send every chance to show up
        Assert.Single(MetaSendsTo(phone));
    }

    [Fact]
    public async Task ARetriedTemplateThatOpenedTheConversationIsStillTheSameRequest()
    {
        var phone = Phone(12);
        await _app.ApprovedTemplateAsync("mt", "order_update", body: "Your order has an update.");
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/messages")
        {
            Content = JsonContent.Create(new { to = phone, type = "template", template = new { name = "order_update", language = "en" } }),
            Headers = { { "Idempotency-Key", "order-77-update" } },
        };

        var first = await SendingApp.ReadMessageAsync(await _app.MetaAdmin.SendAsync(Request()));
        var again = await _app.MetaAdmin.SendAsync(Request()); // the first opened a conversation meanwhile

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first.Id, (await SendingApp.ReadMessageAsync(again)).Id);
        await SendingApp.WaitForAsync(_app.MetaAdmin, first.Id, m => m.ProviderMessageId is not null, "it was sent");
        Assert.Single(MetaSendsTo(phone));
    }

    [Fact]
    public async Task ARateLimitIsRetriedAfterTheProvidersRetryAfter()
    {
        var phone = Phone(7);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        var calls = 0;
        _app.Meta.Respond = r => IsTo(r, phone) && Interlocked.Increment(ref calls) == 1
            ? GraphReply.Error(429, 130429, "Rate limit hit", "Cloud API message throughput has been reached.", ("Retry-After", "1"))
            : GraphReply.Accepted;

        var id = (await SendingApp.ReadMessageAsync(await SendTextAsync(_app.MetaAdmin, phone))).Id;
        var sent = await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.ProviderMessageId is not null, "the second attempt went through");

        Assert.Equal((2, DeliveryStatus.Queued), (sent.Attempts, sent.Status));
        var refused = Assert.Single(sent.Trace!, e => e.Step == TraceEntry.Steps.Answer && e.HttpStatus == 429);
        Assert.Equal("130429", refused.ProviderCode);
        Assert.Contains("Retry-After", Assert.Single(sent.Trace!, e => e.Step == TraceEntry.Steps.RetryScheduled).Detail, StringComparison.Ordinal);
        Assert.Equal(2, MetaSendsTo(phone).Count);
    }

    [Fact]
    public async Task ServerErrorsAreRetriedUpToTheLimitThenTheMessageFailsWithTheProvidersCode()
    {
        var phone = Phone(8);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        _app.Meta.Respond = r => IsTo(r, phone)
            ? GraphReply.Error(503, 131000, "Something went wrong", "Service temporarily unavailable")
            : GraphReply.Accepted;

        var id = (await SendingApp.ReadMessageAsync(await SendTextAsync(_app.MetaAdmin, phone))).Id;
        var failed = await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.Status == DeliveryStatus.Failed, "it failed after 3 attempts");

        Assert.Equal(3, failed.Attempts);
        Assert.Equal(3, MetaSendsTo(phone).Count);
        Assert.Equal(("131000", FailureReason.ProviderUnavailable), (failed.Error!.Code, failed.Error.Reason));
        Assert.Contains("Gave up after 3 attempts", failed.Trace!.Last().Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusalIsFinalAndKeepsTheProvidersReason()
    {
        var phone = Phone(9);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        _app.Meta.Respond = r => IsTo(r, phone)
            ? GraphReply.Error(400, 131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
            : GraphReply.Accepted;

        var id = (await SendingApp.ReadMessageAsync(await SendTextAsync(_app.MetaAdmin, phone))).Id;
        var failed = await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.Status == DeliveryStatus.Failed, "Meta refused it");

        Assert.Equal(("131047", FailureReason.OutsideCareWindow, 1), (failed.Error!.Code, failed.Error.Reason, failed.Attempts));
        Assert.Single(MetaSendsTo(phone));
    }

    [Fact]
    public async Task ASendThatTimesOutIsNeverResentAndItsStatusCallbackSettlesIt()
    {
        var phone = Phone(10);
        await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        _app.Meta.Respond = r => IsTo(r, phone) ? GraphReply.Accepted with { Delay = TimeSpan.FromSeconds(5) } : GraphReply.Accepted;

        var id = (await SendingApp.ReadMessageAsync(await SendTextAsync(_app.MetaAdmin, phone))).Id;
        var unknown = await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.OutcomeUnknown, "the 2-second time-out passed");
        await Task.Delay(TimeSpan.FromSeconds(1)); // past any retry back-off: nothing more may be sent

        Assert.Equal((DeliveryStatus.Queued, null), (unknown.Status, unknown.ProviderMessageId));
        Assert.Single(MetaSendsTo(phone));
        Assert.Contains(unknown.Trace!, e => e.Step == TraceEntry.Steps.OutcomeUnknown);

        // Meta did send it: its status webhook carries our id back.
        await _app.PostMetaWebhookAsync(SendingApp.MetaStatus("wamid.late-answer", "delivered", DateTimeOffset.UtcNow, callbackData: id));
        var settled = await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => !m.OutcomeUnknown, "the callback settled it");
        Assert.Equal((DeliveryStatus.Delivered, "wamid.late-answer"), (settled.Status, settled.ProviderMessageId));
    }

    [Fact]
    public async Task TwilioGetsTheFormWithAStatusCallbackThatFindsTheMessage()
    {
        var phone = Phone(11);
        await _app.CustomerWritesAsync("tw", phone, DateTimeOffset.UtcNow.AddMinutes(-1));
        var sid = "SM" + new string('b', 32);
        _app.Twilio.Respond = (_, context) => FakeTwilioServer.Created(context, sid, "queued");

        var id = (await SendingApp.ReadMessageAsync(await SendTextAsync(_app.TwilioAdmin, phone, "Hej!"))).Id;
        await SendingApp.WaitForAsync(_app.TwilioAdmin, id, m => m.ProviderMessageId == sid, "Twilio accepted it");

        var request = Assert.Single(_app.Twilio.Requests, r => r.Values("To").Contains("whatsapp:" + phone));
        Assert.Equal($"/2010-04-01/Accounts/{SendingApp.TwilioSid}/Messages.json", request.Path);
        Assert.Equal(("whatsapp:" + SendingApp.TwilioFrom, "Hej!"), (request.Single("From"), request.Single("Body")));
        var callback = new Uri(request.Single("StatusCallback"));
        Assert.Equal($"{SendingApp.PublicBase}/api/webhooks/twilio/tw?ref={id}", callback.AbsoluteUri);

        var status = await _app.PostTwilioCallbackAsync(callback, new()
        {
            ["MessageSid"] = sid, ["MessageStatus"] = "delivered", ["AccountSid"] = SendingApp.TwilioSid,
            ["From"] = "whatsapp:" + SendingApp.TwilioFrom, ["To"] = "whatsapp:" + phone, ["ChannelPrefix"] = "whatsapp",
        });
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await SendingApp.WaitForAsync(_app.TwilioAdmin, id, m => m.Status == DeliveryStatus.Delivered, "the signed callback was applied");
    }
}
