using Functions.Channels;
using Functions.Conversations;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Tests.Conversations;

/// <summary>The auto-archive timer over the in-memory store, with a manual clock.</summary>
public sealed class AutoArchiveTimerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryTableStore _tables;
    private readonly ConversationStore _conversations;
    private readonly InMemoryQueueStore _queues;
    private readonly ScriptedQueueStore _publishing;
    private readonly AutoArchiveTimer _timer;
    private int _messages;

    public AutoArchiveTimerTests()
    {
        _tables = new InMemoryTableStore(_time);
        _conversations = new ConversationStore(_tables, _time);
        _queues = new InMemoryQueueStore(_time);
        _publishing = new ScriptedQueueStore(_queues);
        _timer = new AutoArchiveTimer(_tables, _conversations, new TenantEvents(_publishing, _time), _time, NullLogger<AutoArchiveTimer>.Instance);
    }

    public async Task InitializeAsync()
    {
        foreach (var table in new[] { Tenant.Table, Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable, AutoArchiveTimer.CheckpointTable }) await _tables.CreateTableIfNotExistsAsync(table);
        await _queues.CreateQueueIfNotExistsAsync(TenantEvents.Queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task TenantAsync(string id, TimeSpan? autoArchiveAfter) =>
        Assert.True(await new TenantDirectory(_tables, _time).TryCreateAsync(
            new Tenant(id, id, "UTC", "en", null, null, ProviderSettings.Sandbox, T0, T0) { AutoArchiveAfter = autoArchiveAfter }, default));

    private async Task<string> CustomerWritesAsync(string tenant, string phone)
    {
        var inbound = new InboundMessageEvent("sandbox", $"sbx.{++_messages}", phone, "+46850001000", _time.GetUtcNow(), MessageKind.Text) { Text = "hi" };
        return (await _conversations.RecordInboundAsync(tenant, "sandbox", inbound, default)).Conversation!.Id;
    }

    private async Task<ConversationStatus> StatusAsync(string tenant, string id) => (await _conversations.GetAsync(tenant, id, default))!.Status;

    private Task RunAsync() => _timer.RunAsync(new TimerInvocation("AutoArchiveConversations", _time.GetUtcNow(), IsPastDue: false), default);

    [Fact]
    public async Task AnActiveConversationIdleLongerThanTheSettingIsArchivedAndARecentOneIsNot()
    {
        await TenantAsync("shop", Week);
        var idle = await CustomerWritesAsync("shop", "+46701000001");
        _time.Advance(TimeSpan.FromDays(5));
        var recent = await CustomerWritesAsync("shop", "+46701000002");

        _time.Advance(TimeSpan.FromDays(2)); // idle: exactly a week, not longer
        await RunAsync();
        Assert.Equal(ConversationStatus.Active, await StatusAsync("shop", idle));

        _time.Advance(TimeSpan.FromSeconds(1));
        await RunAsync();
        Assert.Equal((ConversationStatus.Archived, ConversationStatus.Active), (await StatusAsync("shop", idle), await StatusAsync("shop", recent)));
    }

    [Fact]
    public async Task TenantsWithoutTheSettingKeepTheirConversations()
    {
        await TenantAsync("off", null);
        await TenantAsync("on", TimeSpan.FromHours(1));
        var kept = await CustomerWritesAsync("off", "+46701000001");
        var archived = await CustomerWritesAsync("on", "+46701000001");

        _time.Advance(TimeSpan.FromDays(30));
        await RunAsync();

        Assert.Equal((ConversationStatus.Active, ConversationStatus.Archived), (await StatusAsync("off", kept), await StatusAsync("on", archived)));
    }

    [Fact]
    public async Task AClosedConversationStaysClosed()
    {
        await TenantAsync("shop", TimeSpan.FromHours(1));
        var closed = await CustomerWritesAsync("shop", "+46701000001");
        await _conversations.CloseAsync("shop", closed, default);

        _time.Advance(TimeSpan.FromDays(1));
        await RunAsync();

        Assert.Equal(ConversationStatus.Closed, await StatusAsync("shop", closed));
    }

    [Fact]
    public async Task RunningAgainArchivesNothingMoreAndTheCustomersNextMessageReopensIt()
    {
        await TenantAsync("shop", TimeSpan.FromHours(1));
        var id = await CustomerWritesAsync("shop", "+46701000001");
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await _timer.ArchiveIdleAsync("shop", _time.GetUtcNow() - TimeSpan.FromHours(1), default));
        Assert.Equal(0, await _timer.ArchiveIdleAsync("shop", _time.GetUtcNow() - TimeSpan.FromHours(1), default));
        var published = Assert.Single(await _queues.ReceiveAsync(TenantEvents.Queue, 32, TimeSpan.FromMinutes(1)));
        using (var work = System.Text.Json.JsonDocument.Parse(published.Text))
        {
            Assert.Equal(EventTypes.ConversationStatus, work.RootElement.GetProperty("type").GetString());
            var data = work.RootElement.GetProperty("data");
            Assert.Equal((id, "archived", "active"), (data.GetProperty("conversationId").GetString(), data.GetProperty("status").GetString(), data.GetProperty("previousStatus").GetString()));
        }

        Assert.Equal(id, await CustomerWritesAsync("shop", "+46701000001"));
        Assert.Equal(ConversationStatus.Active, await StatusAsync("shop", id));
        await RunAsync();
        Assert.Equal(ConversationStatus.Active, await StatusAsync("shop", id));
    }

    [Fact]
    public async Task AConversationTheCustomerWroteToSinceThePageWasReadIsNotArchived()
    {
        await TenantAsync("shop", TimeSpan.FromHours(1));
        var id = await CustomerWritesAsync("shop", "+46701000001");
        var cutoff = _time.GetUtcNow() + TimeSpan.FromSeconds(1); // the page saw it idle before this
        _time.Advance(TimeSpan.FromHours(2));
        await CustomerWritesAsync("shop", "+46701000001");

        var (after, archived) = await _conversations.ArchiveIfIdleAsync("shop", id, cutoff, default);

        Assert.False(archived);
        Assert.Equal(ConversationStatus.Active, after!.Status);
    }

    [Fact]
    public async Task EveryIdleConversationOfEveryTenantIsArchivedPastOnePage()
    {
        var ids = new List<(string Tenant, string Id)>();
        for (var t = 0; t < 3; t++)
        {
            await TenantAsync($"shop-{t}", TimeSpan.FromHours(1));
            for (var c = 0; c < (t == 0 ? 250 : 5); c++) ids.Add(($"shop-{t}", await CustomerWritesAsync($"shop-{t}", $"+467010{c:D5}")));
        }

        _time.Advance(TimeSpan.FromHours(2));
        await RunAsync();

        foreach (var (tenant, id) in ids) Assert.Equal(ConversationStatus.Archived, await StatusAsync(tenant, id));
    }

    [Fact]
    public async Task ARunStoppedBetweenArchivingAndPublishingIsFinishedByTheNextWhichPublishesTheStatusOnce()
    {
        await TenantAsync("shop", TimeSpan.FromHours(1));
        var id = await CustomerWritesAsync("shop", "+46701000001");
        _time.Advance(TimeSpan.FromHours(2));
        _publishing.SendFailures.Enqueue(new InvalidOperationException("Simulated stop after the archive, before the publish."));

        await RunAsync();
        Assert.Equal(ConversationStatus.Archived, await StatusAsync("shop", id));
        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync(TenantEvents.Queue));

        _time.Advance(TimeSpan.FromMinutes(10));
        await RunAsync();
        await RunAsync();

        var published = Assert.Single(await _queues.ReceiveAsync(TenantEvents.Queue, 32, TimeSpan.FromMinutes(1)));
        using var work = System.Text.Json.JsonDocument.Parse(published.Text);
        Assert.Equal(EventTypes.ConversationStatus, work.RootElement.GetProperty("type").GetString());
        Assert.Equal((id, "archived"), (work.RootElement.GetProperty("data").GetProperty("conversationId").GetString(),
            work.RootElement.GetProperty("data").GetProperty("status").GetString()));
    }
}
