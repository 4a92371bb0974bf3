using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Sandbox;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Tenants;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Functions.Webhooks;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Channels.Sandbox;

/// <summary>
/// The sandbox on the whole app (statuses due at once): simulated customer messages through
/// <c>POST /api/sandbox/inbound</c> into conversations, sends processed like provider callbacks,
/// and <c>GET /api/sandbox/messages</c>.
/// </summary>
public sealed class SandboxEndpointsTests : IAsyncLifetime
{
    private const string Shop = "sbx-shop";
    private const string Customer = "+46701234567";

    private readonly TenantApiFixture _api = new(new Dictionary<string, string?>
    {
        ["Sandbox:DeliveredAfter"] = "00:00:00",
        ["Sandbox:ReadAfter"] = "00:00:00",
    });

    private HttpClient _agent = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Sandbox Shop", slug = Shop, defaultCountryCode = "46" })).EnsureSuccessStatusCode();
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Twilio Shop", slug = "tw",
            provider = new { type = "twilio", accountSid = "AC" + new string('1', 32), authToken = new string('2', 32), from = "+14155238886" },
        })).EnsureSuccessStatusCode();
        _agent = await ClientAsync(Shop, "agent");
        _admin = await ClientAsync(Shop, "admin");
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<HttpClient> ClientAsync(string tenant, string role)
    {
        var key = await (await _api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role })).Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options);
        return _api.Client(key!.Key);
    }

    private async Task<SandboxInboundAccepted> InboundAsync(object body, HttpClient? client = null)
    {
        var response = await (client ?? _agent).PostAsJsonAsync("/api/sandbox/inbound", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SandboxInboundAccepted>(TestJson.Options))!;
    }

    private async Task<IReadOnlyList<WebhookEventView>> EventsAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events?pageSize=100", TestJson.Options))!.Items;

    private async Task<IReadOnlyList<ConversationMessage>> ConversationMessagesAsync(int count)
    {
        var store = _api.App.Get<ConversationStore>();
        IReadOnlyList<ConversationMessage> messages = [];
        await Eventually.TrueAsync(async () =>
            await store.FindOpenAsync(Shop, SandboxWebhookParser.BusinessNumber, Customer, default) is { } conversation
            && (messages = (await store.ListMessagesAsync(Shop, conversation.Id, 50, null, default)).Messages).Count >= count,
            $"{count} simulated messages are processed into the conversation");
        return messages;
    }

    [Fact]
    public async Task ASimulatedCustomerMessageIsProcessedIntoItsConversation()
    {
        var accepted = await InboundAsync(new { from = "070-123 45 67", text = "Hi, is my order on its way?", profileName = "Ada" });

        Assert.True(WebhookEvent.IsValidId(accepted.EventId));
        Assert.StartsWith("sbx", accepted.ProviderMessageId);
        var message = Assert.Single(await ConversationMessagesAsync(1));
        Assert.Equal((MessageDirection.Inbound, MessageKind.Text, "Hi, is my order on its way?", "sandbox", accepted.ProviderMessageId),
            (message.Direction, message.Kind, message.Text, message.Provider, message.ProviderMessageId));
        var conversation = (await _api.App.Get<ConversationStore>().FindOpenAsync(Shop, "sandbox", Customer, default))!;
        Assert.Equal((1, "Hi, is my order on its way?"), (conversation.UnreadCount, conversation.LastMessagePreview));
        Assert.True(conversation.Window.IsOpenAt(DateTimeOffset.UtcNow));
        Assert.Equal("Ada", (await _api.App.Get<ContactBook>().FindAsync(Shop, Customer, default))!.ProfileName);

        await Eventually.TrueAsync(async () => (await EventsAsync(_admin)).SingleOrDefault() is { Status: WebhookEventStatus.Processed }, "the event is marked processed");
        var stored = Assert.Single(await EventsAsync(_admin));
        Assert.Equal((accepted.EventId, "sandbox", 1), (stored.Id, stored.Provider, stored.EventCount));
    }

    [Fact]
    public async Task MediaLocationsButtonsReactionsAndAdClicksArriveAsTheirKind()
    {
        await InboundAsync(new { from = Customer, type = "image", mediaUrl = "https://cdn.example.com/receipt.jpg", contentType = "image/jpeg", text = "My receipt", providerMessageId = "in-1" });
        await InboundAsync(new { from = Customer, type = "location", location = new { latitude = 59.3293, longitude = 18.0686, name = "Home" }, providerMessageId = "in-2" });
        await InboundAsync(new { from = Customer, type = "button", reply = new { id = "track", title = "Track my order" }, providerMessageId = "in-3" });
        await InboundAsync(new { from = Customer, type = "reaction", reaction = new { messageId = "in-1", emoji = "👍" }, providerMessageId = "in-4" });
        await InboundAsync(new { from = Customer, text = "I saw your ad", referral = new { sourceType = "ad", sourceId = "120", headline = "Spring sale", clickId = "ctwa-1" }, providerMessageId = "in-5" });

        var byId = (await ConversationMessagesAsync(5)).ToDictionary(m => m.ProviderMessageId!);
        Assert.Equal(new MediaContent(new Uri("https://cdn.example.com/receipt.jpg"), "image/jpeg", "My receipt"), Assert.Single(byId["in-1"].Media));
        Assert.Equal(MessageKind.Image, byId["in-1"].Kind);
        Assert.Equal(new LocationContent(59.3293, 18.0686, "Home"), byId["in-2"].Location);
        Assert.Equal((MessageKind.Interactive, new InteractiveReply("track", "Track my order")), (byId["in-3"].Kind, byId["in-3"].Reply));
        Assert.Equal((MessageKind.Reaction, new ReactionContent("in-1", "👍")), (byId["in-4"].Kind, byId["in-4"].Reaction));
        // A message from an ad opens the 72-hour free entry point.
        var conversation = (await _api.App.Get<ConversationStore>().FindOpenAsync(Shop, "sandbox", Customer, default))!;
        Assert.NotNull(conversation.Window.ReferralAt);
    }

    [Fact]
    public async Task ADuplicateProviderMessageIdIsStoredTwiceButRecordedOnce()
    {
        var first = await InboundAsync(new { from = Customer, text = "Hello?", providerMessageId = "wamid.dup" });
        var second = await InboundAsync(new { from = Customer, text = "Hello?", providerMessageId = "wamid.dup" });

        Assert.NotEqual(first.EventId, second.EventId);
        Assert.Equal(("wamid.dup", "wamid.dup"), (first.ProviderMessageId, second.ProviderMessageId));
        await Eventually.TrueAsync(async () => (await EventsAsync(_admin)).Count(e => e.Status == WebhookEventStatus.Processed) == 2, "both deliveries are processed");
        Assert.Single(await ConversationMessagesAsync(1));
        Assert.Equal(1, (await _api.App.Get<ConversationStore>().FindOpenAsync(Shop, "sandbox", Customer, default))!.UnreadCount);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"text":"hi"}""", "from" },
        { """{"from":"call me maybe","text":"hi"}""", "from" },
        { """{"from":"46701234567","text":"hi"}""", "from" },
        { """{"from":"+46701234567"}""", "text" },
        { $$"""{"from":"+46701234567","text":"{{new string('x', 4097)}}"}""", "text" },
        { """{"from":"+46701234567","type":"poll","text":"hi"}""", "type" },
        { """{"from":"+46701234567","type":"image","mediaUrl":"file:///etc/passwd"}""", "mediaUrl" },
        { """{"from":"+46701234567","type":"location","location":{"latitude":91,"longitude":0}}""", "location" },
        { """{"from":"+46701234567","type":"button"}""", "reply" },
        { """{"from":"+46701234567","type":"reaction","reaction":{"emoji":"x"}}""", "reaction" },
        { """{"from":"+46701234567","text":"hi","providerMessageId":"has spaces"}""", "providerMessageId" },
        { $$"""{"from":"+46701234567","text":"hi","profileName":"{{new string('n', 201)}}"}""", "profileName" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task AnInvalidSimulatedMessageIsRefusedNamingTheFieldAndNothingIsStored(string body, string field)
    {
        var response = await _agent.PostAsync("/api/sandbox/inbound", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"errors names {field}");
        Assert.Empty(await EventsAsync(_admin));
    }

    [Fact]
    public async Task NoKeyTheWrongRoleMalformedJsonOrAnotherProviderChangeNothing()
    {
        var body = new { from = Customer, text = "hi" };
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).PostAsJsonAsync("/api/sandbox/inbound", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client("wab_sbx-shop.nope.nope").PostAsJsonAsync("/api/sandbox/inbound", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await ClientAsync(Shop, "orders")).PostAsJsonAsync("/api/sandbox/inbound", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Operator().PostAsJsonAsync("/api/sandbox/inbound", body)).StatusCode);
        var malformed = await _agent.PostAsync("/api/sandbox/inbound", new StringContent("{\"from\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType!.MediaType);

        var twilioAdmin = await ClientAsync("tw", "admin");
        var conflict = await twilioAdmin.PostAsJsonAsync("/api/sandbox/inbound", body);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("twilio", await conflict.Content.ReadAsStringAsync());

        Assert.Empty(await EventsAsync(_admin));
        Assert.Empty(await EventsAsync(twilioAdmin));
        Assert.Null(await _api.App.Get<ConversationStore>().FindOpenAsync(Shop, "sandbox", Customer, default));
        Assert.Null(await _api.App.Get<ContactBook>().FindAsync(Shop, Customer, default));
    }

    [Fact]
    public async Task ASendsStatusesAreProcessedLikeProviderCallbacks()
    {
        var sandbox = _api.App.Get<SandboxChannel>();
        var receipt = await sandbox.SendAsync(Shop, new OutboundMessage(Customer, MessageKind.Text) { Text = "Your order has shipped.", ClientReference = "msg-7" }, default);

        await Eventually.TrueAsync(async () => (await EventsAsync(_admin)) is { Count: 3 } events && events.All(e => e.Status == WebhookEventStatus.Processed),
            "the three status events are processed");
        Assert.All(await EventsAsync(_admin), e => Assert.Equal(("sandbox", 1, null), (e.Provider, e.EventCount, e.Error)));
        var inbox = _api.App.Get<WebhookInbox>();
        var statuses = new List<MessageStatusEvent>();
        foreach (var view in await EventsAsync(_admin))
        {
            var stored = (await inbox.FindAsync(Shop, view.Id, default))!;
            statuses.Add(Assert.IsType<MessageStatusEvent>(Assert.Single(SandboxWebhookParser.Parse(new WebhookRequest(stored.PublicUrl, "POST", new Dictionary<string, string>(), stored.Body)))));
        }
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read], statuses.Select(s => s.Status).Order());
        Assert.All(statuses, s => Assert.Equal((receipt.ProviderMessageId, "msg-7", Customer), (s.ProviderMessageId, s.ClientReference, s.Recipient)));

        var listed = (await _agent.GetFromJsonAsync<SandboxMessagePage>("/api/sandbox/messages", TestJson.Options))!;
        var sent = Assert.Single(listed.Items);
        Assert.Equal((receipt.ProviderMessageId, Customer, MessageKind.Text, "Your order has shipped.", SandboxOutcome.Read), (sent.Id, sent.To, sent.Kind, sent.Text, sent.Outcome));
    }

    [Fact]
    public async Task TheSendListIsPagedNewestFirstAndNeverShowsAnotherTenantsSends()
    {
        var sandbox = _api.App.Get<SandboxChannel>();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await sandbox.SendAsync(Shop, new OutboundMessage(Customer, MessageKind.Text) { Text = $"n{i}" }, default)).ProviderMessageId);
            await Task.Delay(2); // distinct send times
        }
        var other = _api.Client(await _api.NewTenantKeyAsync("other-shop", ApiKeyRole.Agent));
        var theirs = (await sandbox.SendAsync("other-shop", new OutboundMessage("+46709876543", MessageKind.Text) { Text = "theirs" }, default)).ProviderMessageId;

        var first = (await _agent.GetFromJsonAsync<SandboxMessagePage>("/api/sandbox/messages?pageSize=2", TestJson.Options))!;
        Assert.Equal([ids[2], ids[1]], first.Items.Select(m => m.Id));
        Assert.NotNull(first.ContinuationToken);
        var second = (await _admin.GetFromJsonAsync<SandboxMessagePage>($"/api/sandbox/messages?pageSize=2&continuationToken={Uri.EscapeDataString(first.ContinuationToken)}", TestJson.Options))!;
        Assert.Equal([ids[0]], second.Items.Select(m => m.Id));

        Assert.Equal([theirs], (await other.GetFromJsonAsync<SandboxMessagePage>("/api/sandbox/messages", TestJson.Options))!.Items.Select(m => m.Id));
        // Another tenant's continuation token reads only the caller's own partition.
        var borrowed = await other.GetAsync($"/api/sandbox/messages?continuationToken={Uri.EscapeDataString(first.ContinuationToken)}");
        if (borrowed.StatusCode == HttpStatusCode.OK)
        {
            Assert.DoesNotContain((await borrowed.Content.ReadFromJsonAsync<SandboxMessagePage>(TestJson.Options))!.Items, m => ids.Contains(m.Id));
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, borrowed.StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/sandbox/messages?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/sandbox/messages?pageSize=101")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/sandbox/messages?continuationToken=%%%")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).GetAsync("/api/sandbox/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await ClientAsync(Shop, "orders")).GetAsync("/api/sandbox/messages")).StatusCode);
    }
}
