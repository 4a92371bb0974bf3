using System.Net;
using System.Net.Http.Json;
using Functions.Channels;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Conversations;

/// <summary>
/// Agents find customers under the names the business gives them: naming or renaming a contact
/// (POST or PATCH /api/contacts) shows in their open conversation, in the list and its search;
/// a closed conversation keeps the name it had.
/// </summary>
public sealed class ContactNameInInboxTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly TenantApiFixture _api;
    private readonly string _tenant = "cn" + Guid.NewGuid().ToString("N")[..10];
    private HttpClient _admin = null!;
    private int _messages;

    public ContactNameInInboxTests() => _api = new TenantApiFixture(
        new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7995" },
        configureServices: services => services.AddSingleton<TimeProvider>(_time));

    public async Task InitializeAsync() => _admin = _api.Client(await _api.NewTenantKeyAsync(_tenant));

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<Conversation> CustomerWritesAsync(string phone, string? profileName)
    {
        var inbound = new InboundMessageEvent("sandbox", $"sbx-in-{++_messages}", phone, "sandbox", _time.GetUtcNow(), MessageKind.Text) { Text = "Hello", ProfileName = profileName };
        var recorded = await _api.App.Get<ConversationStore>().RecordInboundAsync(_tenant, "sandbox", inbound, default);
        _time.Advance(TimeSpan.FromSeconds(2));
        return recorded.Conversation!;
    }

    private async Task<ConversationView> DetailAsync(string id) =>
        (await _admin.GetFromJsonAsync<ConversationView>($"/api/conversations/{id}", TestJson.Options))!;

    private async Task<IReadOnlyList<string>> SearchAsync(string text) =>
        [.. (await _admin.GetFromJsonAsync<ConversationPage>($"/api/conversations?q={Uri.EscapeDataString(text)}", TestJson.Options))!.Items.Select(c => c.Id)];

    [Fact]
    public async Task RenamingAContactShowsTheNewNameInItsOpenConversationAndSearchFindsIt()
    {
        var conversation = await CustomerWritesAsync("+46705530001", "kalle82");
        Assert.Equal("kalle82", (await DetailAsync(conversation.Id)).ContactName);

        var created = await _admin.PostAsJsonAsync("/api/contacts", new { phone = "+46705530001", name = "Karl Svensson" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("Karl Svensson", (await DetailAsync(conversation.Id)).ContactName);
        Assert.Equal([conversation.Id], await SearchAsync("Svensson"));

        var renamed = await _admin.PatchAsJsonAsync("/api/contacts/+46705530001", new { name = "Karl Berg" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("Karl Berg", (await DetailAsync(conversation.Id)).ContactName);
        Assert.Equal([conversation.Id], await SearchAsync("Berg"));
        Assert.Empty(await SearchAsync("Svensson"));
    }

    [Fact]
    public async Task AClosedConversationKeepsTheNameItHadAndOtherCustomersAreUntouched()
    {
        var closed = await CustomerWritesAsync("+46705530002", "anna");
        var other = await CustomerWritesAsync("+46705530003", "bo");
        (await _admin.PutAsJsonAsync($"/api/conversations/{closed.Id}/status", new { status = "closed" })).EnsureSuccessStatusCode();

        (await _admin.PostAsJsonAsync("/api/contacts", new { phone = "+46705530002", name = "Anna Lind" })).EnsureSuccessStatusCode();
        (await _admin.PostAsJsonAsync("/api/contacts", new { phone = "+46705530003", language = "sv" })).EnsureSuccessStatusCode();

        Assert.Equal("anna", (await DetailAsync(closed.Id)).ContactName);
        Assert.Equal("bo", (await DetailAsync(other.Id)).ContactName);
    }
}
