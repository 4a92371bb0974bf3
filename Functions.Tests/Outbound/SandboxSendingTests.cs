using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Sandbox;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Outbound;

/// <summary>
/// The product tried with no provider account, end to end in real time: a simulated customer
/// message, a reply through the pipeline, the sandbox's sent → delivered → read statuses; the
/// STOP confirmation; the free entry point after an ad click; every message type to Meta.
/// </summary>
public sealed class SandboxSendingTests(SandboxSendingTests.LiveApp live) : IClassFixture<SandboxSendingTests.LiveApp>
{
    public sealed class LiveApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await SendingApp.StartAsync(new Dictionary<string, string?>
        {
            ["Sandbox:DeliveredAfter"] = "00:00:00.200",
            ["Sandbox:ReadAfter"] = "00:00:00.400",
        });

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = live.App;

    private async Task<Conversation> SimulateCustomerAsync(string phone, string text, object? referral = null)
    {
        var posted = await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = phone, text, profileName = "Ada", referral });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Conversation? conversation = null;
        await Eventually.TrueAsync(async () =>
            (conversation = await _app.Get<ConversationStore>().FindOpenAsync("sb", "sandbox", phone, default)) is { UnreadCount: > 0 }, "the simulated message was processed");
        return conversation!;
    }

    [Fact]
    public async Task AReplyToASimulatedCustomerIsSentDeliveredAndRead()
    {
        var conversation = await SimulateCustomerAsync("+46704440001", "Hi, is my order on its way?");

        var response = await _app.SandboxAdmin.PostAsJsonAsync($"/api/conversations/{conversation.Id}/messages", new { type = "text", text = "Yes, it left today." });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await SendingApp.ReadMessageAsync(response)).Id;

        var read = await SendingApp.WaitForAsync(_app.SandboxAdmin, id, m => m.Status == DeliveryStatus.Read, "the sandbox reported read");
        Assert.Equal("sandbox", read.Provider);
        Assert.StartsWith("sbx", read.ProviderMessageId, StringComparison.Ordinal);
        Assert.True(read.Times.SentAt <= read.Times.DeliveredAt && read.Times.DeliveredAt <= read.Times.ReadAt);
        Assert.Equal(3, read.Trace!.Count(e => e.Step == TraceEntry.Steps.StatusCallback));
        var recorded = await _app.Get<SandboxChannel>().FindAsync("sb", read.ProviderMessageId!, default);
        Assert.Equal(("Yes, it left today.", id), (recorded!.Text, recorded.ClientReference));
    }

    [Fact]
    public async Task AnUndeliverableNumberEndsFailedAndATimedOutSendIsSettledByItsStatuses()
    {
        await SimulateCustomerAsync("+46704440131", "Hello");
        await SimulateCustomerAsync("+46704440408", "Hello");

        var undeliverable = (await SendingApp.ReadMessageAsync(await _app.SandboxAdmin.PostAsJsonAsync("/api/messages", new { to = "+46704440131", type = "text", text = "Hi" }))).Id;
        var unknown = (await SendingApp.ReadMessageAsync(await _app.SandboxAdmin.PostAsJsonAsync("/api/messages", new { to = "+46704440408", type = "text", text = "Hi" }))).Id;

        var failed = await SendingApp.WaitForAsync(_app.SandboxAdmin, undeliverable, m => m.Status == DeliveryStatus.Failed, "the sandbox reported failed");
        Assert.Equal(FailureReason.InvalidRecipient, failed.Error!.Reason);
        var settled = await SendingApp.WaitForAsync(_app.SandboxAdmin, unknown, m => m.Status == DeliveryStatus.Read, "the statuses settled the unknown outcome");
        Assert.False(settled.OutcomeUnknown);
        Assert.Equal(1, settled.Attempts);
        Assert.Contains(settled.Trace!, e => e.Step == TraceEntry.Steps.OutcomeUnknown);
    }

    [Fact]
    public async Task StopIsConfirmedOnceInTheContactsLanguageAndStartWithTheTenantsOwnWord()
    {
        const string phone = "+46704440002";
        await _app.Get<ContactBook>().UpsertAsync("sb", phone, c => c with { Language = "sv" }, default);
        var updated = await _app.SandboxAdmin.PutAsJsonAsync("/api/tenant/consent", new { optInKeywords = new[] { "Ja tack" } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var stop = await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = phone, text = "STOPP", providerMessageId = "sbx-stop-1" });
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        // The same webhook delivered again: one consent change, one confirmation.
        await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = phone, text = "STOPP", providerMessageId = "sbx-stop-1" });

        IReadOnlyList<MessageView> outbound = [];
        await Eventually.TrueAsync(async () => (outbound = await OutboundAsync(phone)).Any(m => m.Status == DeliveryStatus.Read), "the confirmation was sent");
        var confirmation = Assert.Single(outbound);
        Assert.Equal(ConsentReplies.DefaultOptOut["sv"], confirmation.Text);
        Assert.Equal(ConsentState.OptedOut, (await _app.Get<ContactBook>().FindAsync("sb", phone, default))!.Marketing);

        await _app.SandboxAdmin.PostAsJsonAsync("/api/sandbox/inbound", new { from = phone, text = "ja tack!" });
        await Eventually.TrueAsync(async () => (outbound = await OutboundAsync(phone)).Any(m => m.Text == ConsentReplies.DefaultOptIn["sv"]), "the opt-in was confirmed");
        Assert.Equal(2, outbound.Count); // still one confirmation of the STOP
        Assert.Equal(ConsentState.OptedIn, (await _app.Get<ContactBook>().FindAsync("sb", phone, default))!.Utility);
    }

    private async Task<IReadOnlyList<MessageView>> OutboundAsync(string phone)
    {
        if (await _app.Get<ConversationStore>().FindOpenAsync("sb", "sandbox", phone, default) is not { } conversation) return [];
        var page = await _app.SandboxAdmin.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation.Id}/messages", TestJson.Options);
        return [.. page!.Items.Where(m => m.Direction == MessageDirection.Outbound)];
    }

    [Fact]
    public async Task AReplyToAnAdClickOpensTheFreeEntryPoint()
    {
        var conversation = await SimulateCustomerAsync("+46704440003", "I saw your ad", referral: new { sourceType = "ad", sourceId = "120208", sourceUrl = "https://fb.me/ad" });
        Assert.False(conversation.Window.IsFreeEntryPointAt(DateTimeOffset.UtcNow));

        var id = (await SendingApp.ReadMessageAsync(await _app.SandboxAdmin.PostAsJsonAsync($"/api/conversations/{conversation.Id}/messages", new { type = "text", text = "Welcome!" }))).Id;
        await SendingApp.WaitForAsync(_app.SandboxAdmin, id, m => m.ProviderMessageId is not null, "the reply was sent");

        var view = await _app.SandboxAdmin.GetFromJsonAsync<ConversationView>($"/api/conversations/{conversation.Id}", TestJson.Options);
        Assert.True(view!.Window.IsFreeEntryPoint);
        Assert.InRange(view.Window.FreeEntryPointExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromHours(71), TimeSpan.FromHours(72));
    }

    public static TheoryData<string, string, string> MessageTypes => new()
    {
        { """{"type":"image","media":{"url":"https://cdn.example.com/p.jpg","caption":"Your parcel"}}""", "image", "link" },
        { """{"type":"document","media":{"url":"https://cdn.example.com/receipt.pdf","filename":"receipt.pdf"}}""", "document", "filename" },
        { """{"type":"location","location":{"latitude":59.33,"longitude":18.06,"name":"Pickup point"}}""", "location", "latitude" },
        { """{"type":"interactive","interactive":{"body":"Was it delivered?","buttons":[{"id":"yes","title":"Yes"},{"id":"no","title":"No"}]}}""", "interactive", "action" },
        { """{"type":"interactive","interactive":{"body":"Pick a slot","listButton":"Slots","sections":[{"title":"Monday","rows":[{"id":"m9","title":"09:00"}]}]}}""", "interactive", "action" },
    };

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public async Task EachMessageTypeReachesMetaAsItsOwnType(string json, string metaType, string field)
    {
        var phone = $"+4670445{Math.Abs(json.GetHashCode(StringComparison.Ordinal)) % 10000:D4}";
        var conversation = await _app.CustomerWritesAsync("mt", phone, DateTimeOffset.UtcNow.AddMinutes(-1));

        var response = await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/messages", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await SendingApp.ReadMessageAsync(response)).Id;
        await SendingApp.WaitForAsync(_app.MetaAdmin, id, m => m.ProviderMessageId is not null, "Meta accepted it");

        var request = _app.Meta.Requests.Single(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("biz_opaque_callback_data").GetString() == id);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(metaType, body.RootElement.GetProperty("type").GetString());
        Assert.True(body.RootElement.GetProperty(metaType).TryGetProperty(field, out _), $"{metaType} carries {field}: {request.Body}");
    }
}
