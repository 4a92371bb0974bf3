using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Channels;
using Functions.Conversations;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Conversations;

/// <summary>
/// The inbox API over HTTP: the list's filters and their 400s, the detail, every action with its
/// role checks, cross-tenant 404s and malformed bodies, agents, tags and round-robin settings.
/// The app runs driven (no queue runner), so published events stay in their queue to be read.
/// One app serves the class; each test has tenants of its own.
/// </summary>
public sealed class InboxEndpointsTests(InboxEndpointsTests.App app) : IClassFixture<InboxEndpointsTests.App>, IAsyncLifetime
{
    public sealed class App : IAsyncDisposable
    {
        public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

        public TenantApiFixture Api { get; }

        public App() => Api = new TenantApiFixture(
            new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7996" },
            configureServices: services => services.AddSingleton<TimeProvider>(Time));

        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    private readonly ManualTimeProvider _time = app.Time;
    private readonly TenantApiFixture _api = app.Api;
    private readonly string _tenant = "ib" + Guid.NewGuid().ToString("N")[..10];
    private DateTimeOffset _start;
    private HttpClient _admin = null!;
    private HttpClient _agent = null!;        // an agent key bound to agent Ann
    private HttpClient _unboundAgent = null!;
    private HttpClient _orders = null!;
    private HttpClient _otherAdmin = null!;   // another tenant's admin
    private InboxAgent _ann = null!;
    private int _messages;

    public async Task InitializeAsync()
    {
        _start = _time.GetUtcNow();
        _admin = _api.Client(await _api.NewTenantKeyAsync(_tenant));
        _otherAdmin = _api.Client(await _api.NewTenantKeyAsync(_tenant + "x"));
        _ann = (await (await _admin.PostAsJsonAsync("/api/agents", new { name = "Ann" })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;
        _agent = _api.Client(await KeyAsync("agent", _ann.Id));
        _unboundAgent = _api.Client(await KeyAsync("agent"));
        _orders = _api.Client(await KeyAsync("orders"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> KeyAsync(string role, string? agentId = null)
    {
        var created = await _admin.PostAsJsonAsync("/api/keys", new { role, agentId });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key;
    }

    /// <summary>A customer of the tenant writes (as webhook processing records it); the clock moves a second on.</summary>
    private async Task<Conversation> CustomerWritesAsync(string phone, string text = "Hello", string? name = null)
    {
        var inbound = new InboundMessageEvent("sandbox", $"sbx-in-{++_messages}", phone, "sandbox", _time.GetUtcNow(), MessageKind.Text) { Text = text, ProfileName = name };
        var recorded = await _api.App.Get<ConversationStore>().RecordInboundAsync(_tenant, "sandbox", inbound, default);
        _time.Advance(TimeSpan.FromSeconds(2));
        return recorded.Conversation!;
    }

    private static async Task<ConversationPage> ListAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/api/conversations" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ConversationPage>(TestJson.Options))!;
    }

    private static async Task<ConversationView> ViewAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ConversationView>(TestJson.Options))!;
    }

    private static async Task<string[]> ProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<List<JsonElement>> PublishedAsync(string type)
    {
        var peeked = await _api.App.Get<IQueueStore>().PeekAsync(TenantEvents.Queue, 32);
        return [.. peeked.Select(m => JsonDocument.Parse(m.Text).RootElement)
            .Where(e => e.GetProperty("type").GetString() == type && e.GetProperty("tenant").GetString() == _tenant)];
    }

    // The list

    [Fact]
    public async Task TheListShowsWhatAnAgentNeedsNewestFirst()
    {
        var first = await CustomerWritesAsync("+46701000001", "Where is my order?", name: "Astrid");
        var second = await CustomerWritesAsync("+46701000002", "Hi");

        var page = await ListAsync(_agent);
        Assert.Equal([second.Id, first.Id], page.Items.Select(c => c.Id));
        var astrid = page.Items[1];
        Assert.Equal(("Astrid", "+46701000001", "Where is my order?", 1), (astrid.ContactName, astrid.ContactPhone, astrid.LastMessagePreview, astrid.UnreadCount));
        Assert.True(astrid.Window.IsOpen);
        Assert.Equal(_start.AddHours(24), astrid.Window.ExpiresAt);
        Assert.Null(astrid.AssignedAgent);
        Assert.Empty(astrid.Tags);
        Assert.Null(page.ContinuationToken);
        Assert.Empty((await ListAsync(_otherAdmin)).Items); // another tenant sees none of it
    }

    [Theory]
    [InlineData("?status=open", "status")]
    [InlineData("?status=1", "status")]
    [InlineData("?assignedTo=ann", "assignedTo")]
    [InlineData("?tag=tg000000000000", "tag")]
    [InlineData("?tag=x'%20or%20true", "tag")]
    [InlineData("?unread=yes", "unread")]
    [InlineData("?window=ajar", "window")]
    [InlineData("?closingWithin=0", "closingWithin")]
    [InlineData("?closingWithin=1441", "closingWithin")]
    [InlineData("?closingWithin=30&window=closed", "closingWithin")]
    [InlineData("?q=", "q")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=101", "pageSize")]
    [InlineData("?continuationToken=garbage", "continuationToken")]
    public async Task BadListFiltersAre400NamingTheField(string query, string field)
    {
        Assert.Contains(field, await ProblemFieldsAsync(await _admin.GetAsync("/api/conversations" + query)));
    }

    [Fact]
    public async Task AnOverlongSearchIsRefused()
    {
        Assert.Contains("q", await ProblemFieldsAsync(await _admin.GetAsync("/api/conversations?q=" + new string('a', 101))));
    }

    [Fact]
    public async Task MineNeedsAKeyBoundToAnAgentAndListsThatAgentsConversations()
    {
        var mine = await CustomerWritesAsync("+46701000011");
        await CustomerWritesAsync("+46701000012");
        await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{mine.Id}/assignment", new { agentId = "me" }));
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal([mine.Id], (await ListAsync(_agent, "?assignedTo=me")).Items.Select(c => c.Id));
        Assert.Equal([mine.Id], (await ListAsync(_admin, $"?assignedTo={_ann.Id}")).Items.Select(c => c.Id));
        Assert.DoesNotContain(mine.Id, (await ListAsync(_admin, "?assignedTo=unassigned")).Items.Select(c => c.Id));
        Assert.Contains("assignedTo", await ProblemFieldsAsync(await _unboundAgent.GetAsync("/api/conversations?assignedTo=me")));
        Assert.Contains("assignedTo", await ProblemFieldsAsync(await _admin.GetAsync("/api/conversations?assignedTo=me")));
    }

    [Fact]
    public async Task FiltersWorkThroughTheApiAndPagesContinueWithTheirToken()
    {
        var tag = await CreateTagAsync("VIP", "#ff0000");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var c = await CustomerWritesAsync($"+4670100002{i}", $"Question {i}");
            await ViewAsync(await _admin.PutAsync($"/api/conversations/{c.Id}/tags/{tag.Id}", null));
            ids.Insert(0, c.Id);
        }
        await CustomerWritesAsync("+46701000029", "Untagged");
        _time.Advance(TimeSpan.FromSeconds(2));

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await ListAsync(_agent, $"?tag={tag.Id}&unread=true&window=open&q=question&pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            seen.AddRange(page.Items.Select(c => c.Id));
            Assert.All(page.Items, c => Assert.Equal("VIP", Assert.Single(c.Tags).Name));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(ids, seen);
        Assert.Equal(5, (await ListAsync(_agent, "?closingWithin=1440&status=active,archived&q=question")).Items.Count);
    }

    // The detail

    [Fact]
    public async Task TheDetailHasTheContactAssignmentTagsLinkAndNewestMessages()
    {
        var c = await CustomerWritesAsync("+46701000031", "First", name: "Bo");
        await CustomerWritesAsync("+46701000031", "Second");
        await ViewAsync(await _admin.PutAsJsonAsync($"/api/conversations/{c.Id}/assignment", new { agentId = _ann.Id }));
        await ViewAsync(await _admin.PutAsJsonAsync($"/api/conversations/{c.Id}/service-request", new { externalId = "SR-7", type = "installation", url = "https://crm.example.com/sr/7" }));

        var detail = (await _agent.GetFromJsonAsync<ConversationView>($"/api/conversations/{c.Id}", TestJson.Options))!;
        Assert.Equal((_ann.Id, "Ann"), (detail.AssignedAgent!.Id, detail.AssignedAgent.Name));
        Assert.Equal(new ServiceRequestLink("SR-7", "installation", "https://crm.example.com/sr/7"), detail.ServiceRequest);
        Assert.Equal("Bo", detail.ContactName);
        Assert.Equal(["Second", "First"], detail.Messages!.Items.Select(m => m.Text));
        Assert.Equal(HttpStatusCode.NotFound, (await _otherAdmin.GetAsync($"/api/conversations/{c.Id}")).StatusCode);
    }

    // Actions: roles, tenants, bodies

    public static TheoryData<string, string, string?> Actions => new()
    {
        { "PUT", "assignment", """{"agentId":"me"}""" },
        { "DELETE", "assignment", null },
        { "PUT", "status", """{"status":"archived"}""" },
        { "POST", "read", null },
        { "PUT", "service-request", """{"externalId":"SR-1","type":"repair"}""" },
        { "DELETE", "service-request", null },
        { "GET", "", null },
        { "GET", "messages", null },
    };

    private static HttpRequestMessage Request(string method, string conversationId, string action, string? body) =>
        new(new HttpMethod(method), $"/api/conversations/{conversationId}" + (action.Length == 0 ? "" : "/" + action))
        {
            Content = body is null ? null : Json(body),
        };

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task EveryActionIs404ForAnotherTenantsConversationAndLeavesItAlone(string method, string action, string? body)
    {
        var c = await CustomerWritesAsync("+46701000041");
        var other = _api.Client(await _api.NewTenantKeyAsync("oth" + Guid.NewGuid().ToString("N")[..6], ApiKeyRole.Agent));
        var before = await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default);

        var response = await other.SendAsync(Request(method, c.Id, action, body?.Replace("\"me\"", $"\"{_ann.Id}\"", StringComparison.Ordinal)));
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{method} {action}: {response.StatusCode}");
        Assert.Equal(before, await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.SendAsync(Request(method, "cv000000000000000dead", action, body?.Replace("\"me\"", $"\"{_ann.Id}\"", StringComparison.Ordinal)))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task EveryActionNeedsAnAgentOrAdminKey(string method, string action, string? body)
    {
        var c = await CustomerWritesAsync("+46701000051");
        Assert.Equal(HttpStatusCode.Forbidden, (await _orders.SendAsync(Request(method, c.Id, action, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).SendAsync(Request(method, c.Id, action, body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client($"wab_{_tenant}.0123456789abcdef.nope").SendAsync(Request(method, c.Id, action, body))).StatusCode);
    }

    [Theory]
    [InlineData("assignment", "{}", "agentId")]
    [InlineData("assignment", """{"agentId":"ag000000000000"}""", "agentId")]
    [InlineData("status", """{"status":"deleted"}""", "status")]
    [InlineData("status", """{"status":"2"}""", "status")]
    [InlineData("service-request", """{"type":"repair"}""", "externalId")]
    [InlineData("service-request", """{"externalId":"SR-1"}""", "type")]
    [InlineData("service-request", """{"externalId":"SR-1","type":"repair","url":"javascript:alert(1)"}""", "url")]
    [InlineData("service-request", """{"externalId":"SR-1","type":"repair","url":"/relative"}""", "url")]
    [InlineData("service-request", """{"externalId":"SR-1","type":"repair","url":"https://user:pw@crm.example.com/"}""", "url")]
    public async Task MalformedActionBodiesAre400NamingTheFieldAndChangeNothing(string action, string body, string field)
    {
        var c = await CustomerWritesAsync("+46701000061");
        var before = await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default);
        Assert.Contains(field, await ProblemFieldsAsync(await _admin.PutAsync($"/api/conversations/{c.Id}/{action}", Json(body))));
        Assert.Equal(before, await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default));
    }

    [Fact]
    public async Task BrokenJsonIs400()
    {
        var c = await CustomerWritesAsync("+46701000062");
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync($"/api/conversations/{c.Id}/status", Json("{\"status\":"))).StatusCode);
    }

    // Assignment

    [Fact]
    public async Task AssignToMeAndUnassignPublishConversationAssigned()
    {
        var c = await CustomerWritesAsync("+46701000071");
        var assigned = await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/assignment", new { agentId = "me" }));
        Assert.Equal(_ann.Id, assigned.AssignedAgent!.Id);
        await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/assignment", new { agentId = "me" })); // no change: at most the same event again (a retry's), which is delivered once

        Assert.Contains("agentId", await ProblemFieldsAsync(await _unboundAgent.PutAsJsonAsync($"/api/conversations/{c.Id}/assignment", new { agentId = "me" })));
        var unassigned = await ViewAsync(await _agent.DeleteAsync($"/api/conversations/{c.Id}/assignment"));
        Assert.Null(unassigned.AssignedAgent);

        var events = (await PublishedAsync(EventTypes.ConversationAssigned)).Where(e => e.GetProperty("data").GetProperty("conversationId").GetString() == c.Id)
            .DistinctBy(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(_ann.Id, events[0].GetProperty("data").GetProperty("agentId").GetString());
        Assert.Equal(JsonValueKind.Null, events[1].GetProperty("data").GetProperty("agentId").ValueKind);
        Assert.Equal(_ann.Id, events[1].GetProperty("data").GetProperty("previousAgentId").GetString());
    }

    [Fact]
    public async Task RoundRobinAssignsNewConversationsToAvailableAgentsWhenSwitchedOn()
    {
        var ben = (await (await _admin.PostAsJsonAsync("/api/agents", new { name = "Ben" })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;
        var away = (await (await _admin.PostAsJsonAsync("/api/agents", new { name = "Cy", available = false })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;
        var before = await CustomerWritesAsync("+46701000081");
        Assert.Null(before.AssignedAgentId);

        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/inbox/settings", new { roundRobin = true })).StatusCode);
        Assert.True((await _agent.GetFromJsonAsync<InboxSettings>("/api/inbox/settings", TestJson.Options))!.RoundRobin);
        var turns = new List<string?>();
        for (var i = 0; i < 4; i++) turns.Add((await CustomerWritesAsync($"+4670100009{i}")).AssignedAgentId);

        var expected = new[] { _ann.Id, ben.Id }.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([expected[0], expected[1], expected[0], expected[1]], turns);
        Assert.DoesNotContain(away.Id, turns);
        Assert.Equal(4, (await PublishedAsync(EventTypes.ConversationAssigned)).Count(e => e.GetProperty("data").GetProperty("by").GetString() == "round-robin"));
    }

    // Status

    [Fact]
    public async Task StatusMovesBetweenListsAndClosedIsFinal()
    {
        var c = await CustomerWritesAsync("+46701000101");
        Assert.Equal(ConversationStatus.Archived, (await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/status", new { status = "archived" }))).Status);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(c.Id, (await ListAsync(_agent)).Items.Select(x => x.Id));
        Assert.Contains(c.Id, (await ListAsync(_agent, "?status=archived")).Items.Select(x => x.Id));

        // The customer writes: an archived conversation reopens.
        Assert.Equal(c.Id, (await CustomerWritesAsync("+46701000101")).Id);
        Assert.Contains(c.Id, (await ListAsync(_agent)).Items.Select(x => x.Id));

        Assert.Equal(ConversationStatus.Closed, (await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/status", new { status = "closed" }))).Status);
        var reopen = await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/status", new { status = "active" });
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);
        Assert.Equal("application/problem+json", reopen.Content.Headers.ContentType!.MediaType);
        Assert.NotEqual(c.Id, (await CustomerWritesAsync("+46701000101")).Id); // a closed one is followed by a new one

        var statuses = (await PublishedAsync(EventTypes.ConversationStatus)).Select(e => e.GetProperty("data")).Where(d => d.GetProperty("conversationId").GetString() == c.Id)
            .Select(d => d.GetProperty("status").GetString()).ToList();
        Assert.Equal(["archived", "closed"], statuses);
    }

    // Tags

    private async Task<InboxTag> CreateTagAsync(string name, string color)
    {
        var created = await _admin.PostAsJsonAsync("/api/tags", new { name, color });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<InboxTag>(TestJson.Options))!;
    }

    [Fact]
    public async Task TheTagCatalogIsCreatedRenamedAndDeletedByAdmins()
    {
        var vip = await CreateTagAsync("VIP", "#FF0000");
        Assert.Equal("#ff0000", vip.Color);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/tags", new { name = "vip", color = "#00ff00" })).StatusCode);
        Assert.Contains("color", await ProblemFieldsAsync(await _admin.PostAsJsonAsync("/api/tags", new { name = "Red", color = "red" })));
        Assert.Contains("name", await ProblemFieldsAsync(await _admin.PostAsJsonAsync("/api/tags", new { name = " ", color = "#00ff00" })));
        Assert.Equal(HttpStatusCode.Forbidden, (await _agent.PostAsJsonAsync("/api/tags", new { name = "Mine", color = "#00ff00" })).StatusCode);

        var c = await CustomerWritesAsync("+46701000111");
        await ViewAsync(await _agent.PutAsync($"/api/conversations/{c.Id}/tags/{vip.Id}", null));
        var urgent = await CreateTagAsync("Urgent", "#ffaa00");
        var both = await ViewAsync(await _agent.PutAsync($"/api/conversations/{c.Id}/tags/{urgent.Id}", null));
        Assert.Equal(["VIP", "Urgent"], both.Tags.Select(t => t.Name));

        var renamed = await _admin.PatchAsJsonAsync($"/api/tags/{vip.Id}", new { name = "Very important" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PatchAsJsonAsync($"/api/tags/{urgent.Id}", new { name = "very IMPORTANT" })).StatusCode);
        Assert.Equal(["Very important", "Urgent"], (await _agent.GetFromJsonAsync<ConversationView>($"/api/conversations/{c.Id}", TestJson.Options))!.Tags.Select(t => t.Name));
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/tags", new { name = "VIP", color = "#00ff00" })).StatusCode); // the old name is free again

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/tags/{urgent.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync($"/api/tags/{urgent.Id}")).StatusCode);
        Assert.Equal(["Very important"], (await _agent.GetFromJsonAsync<ConversationView>($"/api/conversations/{c.Id}", TestJson.Options))!.Tags.Select(t => t.Name));
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.PutAsync($"/api/conversations/{c.Id}/tags/{urgent.Id}", null)).StatusCode);

        var untagged = await ViewAsync(await _agent.DeleteAsync($"/api/conversations/{c.Id}/tags/{vip.Id}"));
        Assert.Empty(untagged.Tags);
        Assert.Equal(HttpStatusCode.NotFound, (await _otherAdmin.PatchAsJsonAsync($"/api/tags/{vip.Id}", new { name = "Mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _otherAdmin.PutAsync($"/api/conversations/{c.Id}/tags/{vip.Id}", null)).StatusCode);
        Assert.Empty((await _otherAdmin.GetFromJsonAsync<List<InboxTag>>("/api/tags", TestJson.Options))!);
    }

    // Mark read

    [Fact]
    public async Task MarkReadClearsTheUnreadCountAndTheSandboxRecordsTheReceiptOnce()
    {
        var c = await CustomerWritesAsync("+46701000121");
        await CustomerWritesAsync("+46701000121");

        var read = await _agent.PostAsync($"/api/conversations/{c.Id}/read", null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var result = (await read.Content.ReadFromJsonAsync<MarkReadView>(TestJson.Options))!;
        Assert.Equal((0, ReadReceiptOutcome.Recorded), (result.Conversation.UnreadCount, result.ReadReceipt));
        var stored = await _api.App.Get<ConversationStore>().GetAsync(_tenant, c.Id, default);
        Assert.Equal(stored!.LastInboundProviderMessageId, stored.ReadReceiptFor);

        var again = (await (await _agent.PostAsync($"/api/conversations/{c.Id}/read", null)).Content.ReadFromJsonAsync<MarkReadView>(TestJson.Options))!;
        Assert.Equal(ReadReceiptOutcome.AlreadySent, again.ReadReceipt);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(c.Id, (await ListAsync(_agent, "?unread=true")).Items.Select(x => x.Id));
    }

    // Service request

    [Fact]
    public async Task AServiceRequestIsLinkedFoundByItsIdAndUnlinked()
    {
        var c = await CustomerWritesAsync("+46701000131");
        var linked = await ViewAsync(await _agent.PutAsJsonAsync($"/api/conversations/{c.Id}/service-request", new { externalId = "SR-1042", type = "repair" }));
        Assert.Equal(new ServiceRequestLink("SR-1042", "repair", null), linked.ServiceRequest);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([c.Id], (await ListAsync(_agent, "?serviceRequest=SR-1042")).Items.Select(x => x.Id));

        Assert.Null((await ViewAsync(await _agent.DeleteAsync($"/api/conversations/{c.Id}/service-request"))).ServiceRequest);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty((await ListAsync(_agent, "?serviceRequest=SR-1042")).Items);
    }

    // Agents and settings

    [Fact]
    public async Task AdminsManageAgentsAgentsMayOnlyListThem()
    {
        var created = await _admin.PostAsJsonAsync("/api/agents", new { name = "Dee", available = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dee = (await created.Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;
        Assert.False(dee.Available);

        var updated = (await (await _admin.PatchAsJsonAsync($"/api/agents/{dee.Id}", new { available = true })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;
        Assert.Equal(("Dee", true), (updated.Name, updated.Available));
        Assert.Contains(dee.Id, (await _agent.GetFromJsonAsync<List<InboxAgent>>("/api/agents", TestJson.Options))!.Select(a => a.Id));

        Assert.Equal(HttpStatusCode.Forbidden, (await _agent.PostAsJsonAsync("/api/agents", new { name = "Eve" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _agent.PutAsJsonAsync("/api/inbox/settings", new { roundRobin = true })).StatusCode);
        Assert.Contains("name", await ProblemFieldsAsync(await _admin.PostAsJsonAsync("/api/agents", new { name = new string('x', 101) })));
        Assert.Contains("name", await ProblemFieldsAsync(await _admin.PatchAsJsonAsync($"/api/agents/{dee.Id}", new { })));
        Assert.Contains("roundRobin", await ProblemFieldsAsync(await _admin.PutAsJsonAsync("/api/inbox/settings", new { })));
        Assert.Equal(HttpStatusCode.NotFound, (await _otherAdmin.PatchAsJsonAsync($"/api/agents/{dee.Id}", new { name = "Mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _otherAdmin.DeleteAsync($"/api/agents/{dee.Id}")).StatusCode);
        Assert.Contains("agentId", await ProblemFieldsAsync(await _otherAdmin.PostAsJsonAsync("/api/keys", new { role = "agent", agentId = dee.Id })));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/agents/{dee.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync($"/api/agents/{dee.Id}")).StatusCode);
    }
}
