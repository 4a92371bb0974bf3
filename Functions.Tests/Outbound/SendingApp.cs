using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Tenants;
using Functions.Tests.Channels.Meta;
using Functions.Tests.Channels.Twilio;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Outbound;

/// <summary>
/// The whole app with three tenants, one per provider ("mt" on a fake Graph server, "tw" on a
/// fake Twilio server, both on 127.0.0.1; "sb" on the sandbox), and an admin client for each.
/// <para>Live (the default): the standalone runner sends from the queue in real time.
/// Driven: custom-handler mode with a manual clock, so no runner polls and a test runs the send
/// queue itself (<see cref="RunSendsAsync"/>) at the times it chooses.</para>
/// </summary>
public sealed class SendingApp : IAsyncDisposable
{
    public const string MetaSecret = "0123456789abcdef0123456789abcdef";
    public const string MetaToken = "EAAG-test-token";
    public const string PhoneNumberId = "106540352242922";
    public const string TwilioSid = "AC11111111111111111111111111111111";
    public const string TwilioToken = "12345678901234567890123456789012";
    public const string TwilioFrom = "+14155238886";
    public const string PublicBase = "https://wa.example.com";

    private SendingApp(FakeGraphServer meta, FakeTwilioServer twilio, TenantApiFixture api, ManualTimeProvider? clock)
    {
        Meta = meta;
        Twilio = twilio;
        Api = api;
        Clock = clock;
    }

    public FakeGraphServer Meta { get; }
    public FakeTwilioServer Twilio { get; }
    public TenantApiFixture Api { get; }

    /// <summary>The app's clock when driven; null when live.</summary>
    public ManualTimeProvider? Clock { get; }

    public HttpClient MetaAdmin { get; private set; } = null!;
    public HttpClient TwilioAdmin { get; private set; } = null!;
    public HttpClient SandboxAdmin { get; private set; } = null!;

    public T Get<T>() where T : notnull => Api.App.Get<T>();

    public static async Task<SendingApp> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool driven = false)
    {
        var meta = await FakeGraphServer.StartAsync();
        var twilio = await FakeTwilioServer.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["Providers:Meta:BaseUrl"] = meta.BaseUrl.ToString(),
            ["Providers:Twilio:BaseUrl"] = twilio.BaseUrl.ToString(),
            ["Providers:Twilio:ContentBaseUrl"] = twilio.BaseUrl.ToString(),
            ["Providers:Meta:Timeout"] = "00:00:02", // short for the time-out test, long enough for a busy machine
            ["Providers:MediaExamplesFromPrivateNetworks"] = "true", // template example files come from the fakes on 127.0.0.1
            ["Queues:MaxPollingInterval"] = "00:00:00.100",
            ["Outbound:RetryBaseDelay"] = "00:00:00.050",
            ["Outbound:RetryMaxDelay"] = "00:00:00.300",
            ["Outbound:RecipientInterval"] = "00:00:00",
        };
        ManualTimeProvider? clock = null;
        if (driven)
        {
            all[HostingEnvironment.PortSetting] = "7998";
            clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var api = new TenantApiFixture(all, configureServices: clock is null ? null : services => services.AddSingleton<TimeProvider>(clock));
        var app = new SendingApp(meta, twilio, api, clock);
        await app.CreateTenantsAsync();
        return app;
    }

    private async Task CreateTenantsAsync()
    {
        (await Api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Meta Shop", slug = "mt", publicBaseUrl = PublicBase, defaultCountryCode = "46",
            provider = new { type = "meta", phoneNumberId = PhoneNumberId, businessAccountId = "102290129340398", accessToken = MetaToken, appSecret = MetaSecret, verifyToken = "verify-me" },
        })).EnsureSuccessStatusCode();
        (await Api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Twilio Shop", slug = "tw", publicBaseUrl = PublicBase,
            provider = new { type = "twilio", accountSid = TwilioSid, authToken = TwilioToken, from = TwilioFrom },
        })).EnsureSuccessStatusCode();
        (await Api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Sandbox Shop", slug = "sb" })).EnsureSuccessStatusCode();
        MetaAdmin = await ClientAsync("mt", "admin");
        TwilioAdmin = await ClientAsync("tw", "admin");
        SandboxAdmin = await ClientAsync("sb", "admin");
    }

    public async Task<HttpClient> ClientAsync(string tenant, string role)
    {
        var key = await (await Api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role })).Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options);
        return Api.Client(key!.Key);
    }

    /// <summary>A customer message at <paramref name="at"/>, as webhook processing records it: opens or renews the care window.</summary>
    public async Task<Conversation> CustomerWritesAsync(string tenant, string phone, DateTimeOffset at, string text = "Hi, where is my order?")
    {
        var found = await Get<TenantDirectory>().FindAsync(tenant, default);
        var inbound = new InboundMessageEvent("meta", "wamid.in-" + Guid.NewGuid().ToString("N"), phone, "+15550001111", at, MessageKind.Text) { Text = text };
        var recorded = await Get<ConversationStore>().RecordInboundAsync(tenant, ProviderAccounts.SenderId(found!.Provider), inbound, default);
        return recorded.Conversation!;
    }

    public Task<Contact> ConsentAsync(string tenant, string phone, ConsentPurpose purpose, ConsentState state) =>
        Get<ContactBook>().RecordConsentAsync(tenant, phone, new ConsentRecord(purpose, state, ConsentRecord.Sources.Api, "test", DateTimeOffset.UtcNow.AddMinutes(-1)), default);

    /// <summary>An approved template, as if the provider had reviewed it: a body with positional variables.</summary>
    public async Task ApprovedTemplateAsync(string tenant, string name, string language = "en", string body = "Your order {{1}} has an update: {{2}}.", Functions.Templates.TemplateCategory category = Functions.Templates.TemplateCategory.Utility)
    {
        var store = Get<Functions.Templates.TemplateStore>();
        var examples = new Dictionary<string, string> { ["1"] = "#1042", ["2"] = "shipped" };
        await store.CreateAsync(tenant, new Functions.Templates.TemplateDefinition(name, language, category,
            new Functions.Templates.TemplateComponents(body, examples.Where(e => body.Contains("{{" + e.Key + "}}", StringComparison.Ordinal)).ToDictionary())), default);
        await store.UpdateAsync(tenant, name, language, 1, "reviewed", t => t with { Status = Functions.Templates.TemplateStatus.Approved, ProviderTemplateId = "HX" + new string('0', 31) + name.Length % 10 }, default);
    }

    /// <summary>Runs the send queue now (driven mode).</summary>
    public Task<int> RunSendsAsync() => QueueDriver.RunAsync(Api.App, "SendQueuedMessage");

    public static async Task<MessageView> ReadMessageAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<MessageView>(TestJson.Options))!;

    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>())!;
    }

    public static async Task<MessageView> GetMessageAsync(HttpClient client, string id) =>
        (await client.GetFromJsonAsync<MessageView>($"/api/messages/{id}", TestJson.Options))!;

    /// <summary>Waits (live mode) until the message satisfies <paramref name="condition"/>.</summary>
    public static async Task<MessageView> WaitForAsync(HttpClient client, string id, Func<MessageView, bool> condition, string because)
    {
        MessageView? message = null;
        try
        {
            await Eventually.TrueAsync(async () => condition(message = await GetMessageAsync(client, id)), because);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Say where it got stuck: the message as last read, with its trace.
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nLast seen: {JsonSerializer.Serialize(message, TestJson.Options)}");
        }
        return message!;
    }

    /// <summary>Posts a Meta webhook to the tenant's URL, signed with the app secret the way Meta signs it.</summary>
    public Task<HttpResponseMessage> PostMetaWebhookAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/meta/mt") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MetaSecret), body)));
        return Api.Client(null).SendAsync(request);
    }

    /// <summary>A Meta status webhook for one message.</summary>
    public static string MetaStatus(string wamid, string status, DateTimeOffset at, string? callbackData = null, string recipient = "46701234567")
    {
        var callback = callbackData is null ? "" : $",\"biz_opaque_callback_data\":\"{callbackData}\"";
        return $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"{{{PhoneNumberId}}}"},
              "statuses":[{"id":"{{{wamid}}}","status":"{{{status}}}","timestamp":"{{{at.ToUnixTimeSeconds()}}}","recipient_id":"{{{recipient}}}"{{{callback}}}}]}}]}]}
            """;
    }

    /// <summary>Posts a Twilio status callback to <paramref name="url"/> (the StatusCallback we gave), signed with the auth token the way Twilio signs it.</summary>
    public Task<HttpResponseMessage> PostTwilioCallbackAsync(Uri url, Dictionary<string, string> form)
    {
        var data = new StringBuilder(url.AbsoluteUri);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal)) data.Append(key).Append(value);
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TwilioToken), Encoding.UTF8.GetBytes(data.ToString())));
        var request = new HttpRequestMessage(HttpMethod.Post, url.PathAndQuery) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);
        return Api.Client(null).SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Meta.DisposeAsync();
        await Twilio.DisposeAsync();
    }
}
