using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Conversations;
using Functions.Events;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Tests.Conversations;

/// <summary>
/// A request that stopped between storing a change and publishing its event (here: the publish
/// fails) publishes it when retried, under the same event id; a later request that changes
/// nothing publishes nothing.
/// </summary>
public sealed class InboxEventRetryTests : IAsyncLifetime
{
    private const string TenantId = "shop";
    private const string Sender = "+46850001000";
    private const string Phone = "+46701000001";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryTableStore _tables;
    private readonly InMemoryQueueStore _queues;
    private readonly ScriptedQueueStore _publishing;
    private readonly ConversationStore _conversations;
    private readonly InboxCatalog _catalog;
    private readonly InboxActions _actions;
    private readonly HttpClient _http = new();
    private int _messages;

    public InboxEventRetryTests()
    {
        _tables = new InMemoryTableStore(_time);
        _queues = new InMemoryQueueStore(_time);
        _publishing = new ScriptedQueueStore(_queues);
        var events = new TenantEvents(_publishing, _time);
        _conversations = new ConversationStore(_tables, _time, events: events);
        _catalog = new InboxCatalog(_tables, _time);
        _actions = new InboxActions(_conversations, new TenantDirectory(_tables, _time), new MetaClient(_http, new MetaClientOptions()),
            events, _time, NullLogger<InboxActions>.Instance);
    }

    public async Task InitializeAsync()
    {
        foreach (var table in new[] { Tenant.Table, Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable }) await _tables.CreateTableIfNotExistsAsync(table);
        await _queues.CreateQueueIfNotExistsAsync(TenantEvents.Queue);
        Assert.True(await new TenantDirectory(_tables, _time).TryCreateAsync(new Tenant(TenantId, TenantId, "UTC", "en", null, null, ProviderSettings.Sandbox, T0, T0), default));
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    private InboundMessageEvent Inbound() =>
        new("sandbox", $"sbx.{++_messages}", Phone, Sender, _time.GetUtcNow(), MessageKind.Text) { Text = "hi" };

    private async Task<string> CustomerWritesAsync() => (await _conversations.RecordInboundAsync(TenantId, Sender, Inbound(), default)).Conversation!.Id;

    private void NextPublishFails() => _publishing.SendFailures.Enqueue(new InvalidOperationException("Simulated stop between the write and the publish."));

    /// <summary>The events published so far (taken off the queue): type, event id and data.</summary>
    private async Task<List<(string Type, string Id, JsonElement Data)>> PublishedAsync()
    {
        var published = new List<(string, string, JsonElement)>();
        foreach (var message in await _queues.ReceiveAsync(TenantEvents.Queue, 32, TimeSpan.FromHours(1)))
        {
            var work = JsonDocument.Parse(message.Text).RootElement;
            published.Add((work.GetProperty("type").GetString()!, work.GetProperty("id").GetString()!, work.GetProperty("data").Clone()));
        }
        return published;
    }

    [Fact]
    public async Task AnAssignmentWhosePublishFailedPublishesItWhenRetriedAndTheSameIdAgainOnASecondRetry()
    {
        var id = await CustomerWritesAsync();
        NextPublishFails();
        await Assert.ThrowsAsync<InvalidOperationException>(() => _actions.AssignAsync(TenantId, id, "ag_ann", default));
        Assert.Empty(await PublishedAsync());

        _time.Advance(TimeSpan.FromSeconds(30));
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);

        var published = await PublishedAsync();
        Assert.Equal(2, published.Count);
        Assert.All(published, e => Assert.Equal(EventTypes.ConversationAssigned, e.Type));
        Assert.Single(published.Select(e => e.Id).Distinct()); // one event: fan-out stores and delivers an id once
        var data = published[0].Data;
        Assert.Equal(("ag_ann", JsonValueKind.Null, "agent"),
            (data.GetProperty("agentId").GetString(), data.GetProperty("previousAgentId").ValueKind, data.GetProperty("by").GetString()));
    }

    [Fact]
    public async Task TheSameAssignmentLongAfterPublishesNothingAndAnotherAssignmentIsANewEvent()
    {
        var id = await CustomerWritesAsync();
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);
        var first = Assert.Single(await PublishedAsync());

        _time.Advance(Conversation.ChangeReplayWindow);
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);
        Assert.Empty(await PublishedAsync());

        await _actions.AssignAsync(TenantId, id, null, default);
        var unassigned = Assert.Single(await PublishedAsync());
        Assert.NotEqual(first.Id, unassigned.Id);
        Assert.Equal((JsonValueKind.Null, "ag_ann"), (unassigned.Data.GetProperty("agentId").ValueKind, unassigned.Data.GetProperty("previousAgentId").GetString()));
    }

    [Fact]
    public async Task ChangesInTheSameInstantAreEachTheirOwnEvent()
    {
        var id = await CustomerWritesAsync();
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);
        await _actions.AssignAsync(TenantId, id, null, default);
        await _actions.AssignAsync(TenantId, id, "ag_ann", default);
        await _actions.SetStatusAsync(TenantId, id, ConversationStatus.Archived, default);
        await _actions.SetStatusAsync(TenantId, id, ConversationStatus.Active, default);

        Assert.Equal(5, (await PublishedAsync()).Select(e => e.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(ConversationStatus.Archived)]
    [InlineData(ConversationStatus.Closed)]
    public async Task AStatusChangeWhosePublishFailedPublishesItWhenRetried(ConversationStatus status)
    {
        var id = await CustomerWritesAsync();
        NextPublishFails();
        await Assert.ThrowsAsync<InvalidOperationException>(() => _actions.SetStatusAsync(TenantId, id, status, default));
        Assert.Empty(await PublishedAsync());

        _time.Advance(TimeSpan.FromSeconds(30));
        var (after, refused) = await _actions.SetStatusAsync(TenantId, id, status, default);
        Assert.Equal((status, false), (after!.Status, refused));

        var published = Assert.Single(await PublishedAsync());
        Assert.Equal(EventTypes.ConversationStatus, published.Type);
        Assert.Equal((status.ToString().ToLowerInvariant(), "active"),
            (published.Data.GetProperty("status").GetString(), published.Data.GetProperty("previousStatus").GetString()));

        _time.Advance(Conversation.ChangeReplayWindow);
        await _actions.SetStatusAsync(TenantId, id, status, default);
        Assert.Empty(await PublishedAsync());
    }

    [Fact]
    public async Task AnAutoArchiveIsNotPublishedAgainAsAnAgentsChange()
    {
        var id = await CustomerWritesAsync();
        _time.Advance(TimeSpan.FromHours(2));
        var (_, archived) = await _conversations.ArchiveIfIdleAsync(TenantId, id, _time.GetUtcNow(), default);
        Assert.True(archived);

        await _actions.SetStatusAsync(TenantId, id, ConversationStatus.Archived, default);

        Assert.Empty(await PublishedAsync()); // the timer publishes its own, under its own key
    }

    [Fact]
    public async Task ARoundRobinAssignmentWhosePublishFailedIsPublishedWhenTheCustomersMessageIsRetried()
    {
        await _catalog.AddAgentAsync(TenantId, "Ann", available: true, default);
        await _catalog.SetSettingsAsync(TenantId, new InboxSettings(RoundRobin: true), default);
        var inbound = Inbound();
        NextPublishFails();
        await Assert.ThrowsAsync<InvalidOperationException>(() => _conversations.RecordInboundAsync(TenantId, Sender, inbound, default));
        Assert.Empty(await PublishedAsync());

        _time.Advance(TimeSpan.FromSeconds(30));
        var recorded = await _conversations.RecordInboundAsync(TenantId, Sender, inbound, default);
        await _conversations.RecordInboundAsync(TenantId, Sender, Inbound(), default); // the next message: nothing to publish again

        var published = Assert.Single(await PublishedAsync());
        Assert.Equal(EventTypes.ConversationAssigned, published.Type);
        Assert.Equal((recorded.Conversation!.Id, recorded.Conversation.AssignedAgentId, "round-robin"),
            (published.Data.GetProperty("conversationId").GetString(), published.Data.GetProperty("agentId").GetString(), published.Data.GetProperty("by").GetString()));
    }

    [Fact]
    public async Task AReopeningByTheCustomerIsReportedAgainWhenTheSameMessageIsRedelivered()
    {
        var id = await CustomerWritesAsync();
        await _conversations.ArchiveAsync(TenantId, id, default);
        var inbound = Inbound();

        var first = await _conversations.RecordInboundAsync(TenantId, Sender, inbound, default);
        var redelivered = await _conversations.RecordInboundAsync(TenantId, Sender, inbound, default);
        var next = await _conversations.RecordInboundAsync(TenantId, Sender, Inbound(), default);

        Assert.Equal((true, true, true, false), (first.Reopened, redelivered.Duplicate, redelivered.Reopened, next.Reopened));
    }
}
