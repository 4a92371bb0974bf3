using System.Net;
using System.Net.Http.Json;
using System.Text;
using Functions.Channels;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Conversations;

/// <summary>Inbox rules found missing in review: each test is one rule, over HTTP.</summary>
public sealed class InboxReviewTests(InboxReviewTests.App app) : IClassFixture<InboxReviewTests.App>, IAsyncLifetime
{
    public sealed class App : IAsyncDisposable
    {
        public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

        public TenantApiFixture Api { get; }

        public App() => Api = new TenantApiFixture(
            new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7995" },
            configureServices: services => services.AddSingleton<TimeProvider>(Time));

        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    private readonly TenantApiFixture _api = app.Api;
    private readonly string _tenant = "ir" + Guid.NewGuid().ToString("N")[..10];
    private HttpClient _admin = null!;
    private int _messages;

    public async Task InitializeAsync() => _admin = _api.Client(await _api.NewTenantKeyAsync(_tenant));

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Conversation> CustomerWritesAsync(string phone)
    {
        var inbound = new InboundMessageEvent("sandbox", $"sbx-in-{++_messages}", phone, "sandbox", app.Time.GetUtcNow(), MessageKind.Text) { Text = "Hello" };
        return (await _api.App.Get<ConversationStore>().RecordInboundAsync(_tenant, "sandbox", inbound, default)).Conversation!;
    }

    private async Task<InboxTag> CreateTagAsync(string name)
    {
        var created = await _admin.PostAsJsonAsync("/api/tags", new { name, color = "#112233" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<InboxTag>(TestJson.Options))!;
    }

    [Fact]
    public async Task TagsDeletedFromTheCatalogDoNotCountTowardsAConversationsLimit()
    {
        var c = await CustomerWritesAsync("+46702000001");
        for (var i = 0; i < Conversation.MaxTags; i++)
        {
            var tag = await CreateTagAsync($"Old {i}");
            Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsync($"/api/conversations/{c.Id}/tags/{tag.Id}", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/tags/{tag.Id}")).StatusCode);
        }
        var shown = await _admin.GetFromJsonAsync<ConversationView>($"/api/conversations/{c.Id}", TestJson.Options);
        Assert.Empty(shown!.Tags); // the agent sees no tags on it...

        var fresh = await CreateTagAsync("New");
        var tagged = await _admin.PutAsync($"/api/conversations/{c.Id}/tags/{fresh.Id}", null);
        Assert.Equal(HttpStatusCode.OK, tagged.StatusCode); // ...so it can take one
        Assert.Equal(["New"], (await tagged.Content.ReadFromJsonAsync<ConversationView>(TestJson.Options))!.Tags.Select(t => t.Name));
    }

    [Theory]
    [InlineData("https://crm.example.com/sr/1\r\nX-Injected: 1")]
    [InlineData("https://crm.example.com/sr/1\u0000")]
    [InlineData("https://crm.example.com/sr/\t1")]
    public async Task AServiceRequestLinkWithControlCharactersIsRefused(string url)
    {
        var c = await CustomerWritesAsync("+46702000002");
        var before = await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default);
        var response = await _admin.PutAsJsonAsync($"/api/conversations/{c.Id}/service-request", new { externalId = "SR-1", type = "repair", url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"url\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default));
    }

    [Fact]
    public async Task AServiceRequestLinkIsStoredTrimmedLikeItsOtherFields()
    {
        var c = await CustomerWritesAsync("+46702000003");
        var response = await _admin.PutAsJsonAsync($"/api/conversations/{c.Id}/service-request", new { externalId = " SR-1 ", type = " repair ", url = " https://crm.example.com/sr/1 " });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ServiceRequestLink("SR-1", "repair", "https://crm.example.com/sr/1"), (await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default))!.ServiceRequest);
    }
}
