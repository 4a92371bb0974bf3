using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Tenants;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Functions.Webhooks;

namespace Functions.Tests.Webhooks;

/// <summary>
/// Provider webhooks end to end on the whole app: signed the way Twilio and Meta sign them
/// (computed here, independently of our verifier), stored, queued, and processed by the
/// standalone runner into contacts and conversations.
/// </summary>
public sealed class WebhookEndpointsTests : IAsyncLifetime
{
    private const string TwilioToken = "12345678901234567890123456789012";
    private const string MetaSecret = "0123456789abcdef0123456789abcdef";
    private const string PublicBase = "https://wa.example.com";
    private const string Customer = "+46701234567";

    private readonly TenantApiFixture _api = new();
    private HttpClient _anonymous = null!;

    public async Task InitializeAsync()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Twilio Shop", slug = "tw", publicBaseUrl = PublicBase,
            provider = new { type = "twilio", accountSid = "AC" + new string('1', 32), authToken = TwilioToken, from = "+14155238886" },
        })).EnsureSuccessStatusCode();
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Meta Shop", slug = "mt", publicBaseUrl = PublicBase,
            provider = new { type = "meta", phoneNumberId = "106540352242922", businessAccountId = "102290129340398", accessToken = "EAAG-token", appSecret = MetaSecret, verifyToken = "verify-me" },
        })).EnsureSuccessStatusCode();
        _anonymous = _api.Client(null);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static string TwilioSignature(string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal)) data.Append(key).Append(value);
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TwilioToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    private Task<HttpResponseMessage> PostTwilioAsync(Dictionary<string, string> form, string tenant = "tw", string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/webhooks/twilio/{tenant}") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature ?? TwilioSignature($"{PublicBase}/api/webhooks/twilio/{tenant}", form));
        return _anonymous.SendAsync(request);
    }

    private static Dictionary<string, string> TwilioInbound(string sid, string body) => new()
    {
        ["MessageSid"] = sid, ["SmsMessageSid"] = sid, ["AccountSid"] = "AC" + new string('1', 32),
        ["From"] = "whatsapp:" + Customer, ["To"] = "whatsapp:+14155238886", ["Body"] = body,
        ["NumMedia"] = "0", ["ProfileName"] = "Astrid", ["WaId"] = Customer[1..], ["MessageType"] = "text",
    };

    private static string MetaInbound(string id, string text) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
          "contacts":[{"profile":{"name":"Bertil"},"wa_id":"46709876543"}],
          "messages":[{"from":"46709876543","id":"{{{id}}}","timestamp":"1763802000","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}
        """;

    private Task<HttpResponseMessage> PostMetaAsync(string json, string tenant = "mt", string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/webhooks/meta/{tenant}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", signature ?? "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MetaSecret), body)));
        return _anonymous.SendAsync(request);
    }

    private async Task<Conversation> ConversationAsync(string tenant, string sender, string phone)
    {
        var store = _api.App.Get<ConversationStore>();
        Conversation? found = null;
        await Eventually.TrueAsync(async () => (found = await store.FindOpenAsync(tenant, sender, phone, default)) is { UnreadCount: > 0 },
            "the webhook is processed into a conversation");
        return found!;
    }

    private async Task<HttpClient> TenantAdminAsync(string tenant)
    {
        var key = await (await _api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role = "admin" })).Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options);
        return _api.Client(key!.Key);
    }

    [Fact]
    public async Task ASignedTwilioMessageIsAcknowledgedAndLandsInItsConversation()
    {
        var response = await PostTwilioAsync(TwilioInbound("SM" + new string('a', 32), "Where is my order #12345678?"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("<Response/>", await response.Content.ReadAsStringAsync());

        var conversation = await ConversationAsync("tw", "+14155238886", Customer);
        Assert.Equal("Where is my order #12345678?", conversation.LastMessagePreview);
        Assert.True(conversation.Window.IsOpenAt(DateTimeOffset.UtcNow));
        Assert.Equal("Astrid", (await _api.App.Get<ContactBook>().FindAsync("tw", Customer, default))!.ProfileName);
        // The window's timer is set (right after the conversation is written): a delayed message that fires when the window closes.
        var queues = _api.App.Get<Functions.Storage.IQueueStore>();
        await Eventually.TrueAsync(async () => await queues.GetApproximateMessageCountAsync(CareWindowTimer.Queue) == 1, "the care-window timer is set");
    }

    [Fact]
    public async Task ABadOrMissingSignatureIsRefusedAndNothingIsStored()
    {
        var form = TwilioInbound("SM" + new string('b', 32), "hi");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostTwilioAsync(form, signature: "bm90LXRoZS1zaWduYXR1cmU=")).StatusCode);
        var tampered = TwilioSignature($"{PublicBase}/api/webhooks/twilio/tw", form);
        form["Body"] = "hi!";
        Assert.Equal(HttpStatusCode.Forbidden, (await PostTwilioAsync(form, signature: tampered)).StatusCode);
        var noHeader = await _anonymous.PostAsync("/api/webhooks/twilio/tw", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        Assert.Equal("application/problem+json", noHeader.Content.Headers.ContentType!.MediaType);

        Assert.Equal(HttpStatusCode.Forbidden, (await PostMetaAsync(MetaInbound("wamid.x", "hi"), signature: "sha256=" + new string('0', 64))).StatusCode);

        var admin = await TenantAdminAsync("tw");
        Assert.Empty((await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!.Items);
    }

    [Fact]
    public async Task AnUnknownTenantOrOneOnAnotherProviderIsNotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await PostTwilioAsync(TwilioInbound("SM" + new string('c', 32), "hi"), tenant: "nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostTwilioAsync(TwilioInbound("SM" + new string('c', 32), "hi"), tenant: "mt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostMetaAsync(MetaInbound("wamid.y", "hi"), tenant: "tw")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _anonymous.GetAsync("/api/webhooks/meta/demo?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")).StatusCode);
    }

    [Fact]
    public async Task MetasSubscriptionCheckEchoesTheChallengeOnlyForTheRightToken()
    {
        var ok = await _anonymous.GetAsync("/api/webhooks/meta/mt?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await _anonymous.GetAsync("/api/webhooks/meta/mt?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _anonymous.GetAsync("/api/webhooks/meta/mt")).StatusCode);
    }

    [Fact]
    public async Task AMetaWebhookDeliveredTwiceIsStoredTwiceButRecordedOnce()
    {
        var json = MetaInbound("wamid.twice", "Hej!");
        Assert.Equal(HttpStatusCode.OK, (await PostMetaAsync(json)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostMetaAsync(json)).StatusCode);

        var conversation = await ConversationAsync("mt", "106540352242922", "+46709876543");
        var admin = await TenantAdminAsync("mt");
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!
            .Items.Count(e => e.Status == WebhookEventStatus.Processed) == 2, "both deliveries are processed");
        var messages = await _api.App.Get<ConversationStore>().ListMessagesAsync("mt", conversation.Id, 10, null, default);
        Assert.Single(messages.Messages);
        Assert.Equal(1, (await _api.App.Get<ConversationStore>().GetAsync("mt", conversation.Id, default))!.UnreadCount);
    }

    [Fact]
    public async Task StopOptsOutOfEverythingOnceEvenWhenReplayed()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostMetaAsync(MetaInbound("wamid.stop", "STOP"))).StatusCode);
        var contacts = _api.App.Get<ContactBook>();
        await Eventually.TrueAsync(async () => (await contacts.FindAsync("mt", "+46709876543", default)) is { Utility: ConsentState.OptedOut }, "the opt-out is recorded");
        var contact = (await contacts.FindAsync("mt", "+46709876543", default))!;
        Assert.Equal((ConsentState.OptedOut, ConsentState.OptedOut), (contact.Marketing, contact.Utility));

        var admin = await TenantAdminAsync("mt");
        var stored = (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!.Items.Single();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/webhooks/events/{stored.Id}/replay", null)).StatusCode);
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!.Items.Single().ProcessedOn > stored.ProcessedOn,
            "the replay is processed");
        var history = await contacts.ConsentHistoryAsync("mt", "+46709876543", default);
        Assert.Equal(2, history.Count);
        Assert.All(history, h => Assert.Equal(("keyword", "message meta:wamid.stop"), (h.Source, h.Evidence)));
    }

    [Fact]
    public async Task ASignedButUnreadablePayloadIsKeptAsFailed()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostMetaAsync("""{"object":"page","entry":[]}""")).StatusCode);
        var admin = await TenantAdminAsync("mt");
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!
            .Items.Any(e => e.Status == WebhookEventStatus.Failed), "the event is marked failed");
        var failed = (await admin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!.Items.Single();
        Assert.Contains("object", failed.Error);
        Assert.Equal(0, await _api.App.Get<Functions.Storage.IQueueStore>().GetApproximateMessageCountAsync(WebhookInbox.Queue + "-poison"));
    }

    [Fact]
    public async Task ReplayIsForTheTenantsAdminAndItsOwnEventsOnly()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostMetaAsync(MetaInbound("wamid.r", "hi"))).StatusCode);
        var metaAdmin = await TenantAdminAsync("mt");
        var id = (await metaAdmin.GetFromJsonAsync<WebhookEventPage>("/api/webhooks/events", TestJson.Options))!.Items.Single().Id;

        var twilioAdmin = await TenantAdminAsync("tw");
        Assert.Equal(HttpStatusCode.NotFound, (await twilioAdmin.PostAsync($"/api/webhooks/events/{id}/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await metaAdmin.PostAsync("/api/webhooks/events/not-an-id/replay", null)).StatusCode);
        var agent = await _api.NewTenantKeyAsync("agents-only", ApiKeyRole.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Client(agent).GetAsync("/api/webhooks/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.GetAsync("/api/webhooks/events")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await metaAdmin.GetAsync("/api/webhooks/events?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await metaAdmin.GetAsync("/api/webhooks/events?continuationToken=%%%")).StatusCode);
    }

    [Fact]
    public async Task AnOversizedWebhookIsRefused()
    {
        var response = await PostMetaAsync(MetaInbound("wamid.big", new string('x', 300_000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
