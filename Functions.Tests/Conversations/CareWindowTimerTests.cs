using Functions.Channels;
using Functions.Conversations;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Conversations;

/// <summary>The care-window timer on delayed queue messages, driven by a fake clock.</summary>
public sealed class CareWindowTimerTests : IAsyncLifetime
{
    private const string Tenant = "shop";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryTableStore _tables;
    private readonly InMemoryQueueStore _queues;
    private readonly ConversationStore _conversations;
    private readonly CareWindowOptions _options = new();
    private readonly CareWindowTimer _timer;

    public CareWindowTimerTests()
    {
        _tables = new InMemoryTableStore(_time);
        _queues = new InMemoryQueueStore(_time);
        _conversations = new ConversationStore(_tables, _time);
        _timer = new CareWindowTimer(_queues, _tables, _conversations, new TenantEvents(_queues, _time), Options.Create(_options), _time);
    }

    public async Task InitializeAsync()
    {
        foreach (var table in new[] { Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable, ConversationEvent.Table }) await _tables.CreateTableIfNotExistsAsync(table);
        await _queues.CreateQueueIfNotExistsAsync(CareWindowTimer.Queue);
        await _queues.CreateQueueIfNotExistsAsync(TenantEvents.Queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Conversation> CustomerWritesAsync(string id)
    {
        var recorded = await _conversations.RecordInboundAsync(Tenant, "+46850001000",
            new InboundMessageEvent("meta", id, "+46701234567", "+46850001000", _time.GetUtcNow(), MessageKind.Text) { Text = "hi" }, default);
        await _timer.ScheduleAsync(Tenant, recorded.Conversation!, default);
        return recorded.Conversation!;
    }

    /// <summary>Delivers every timer message due now, as the queue trigger would (optionally twice).</summary>
    private async Task<int> FireDueTimersAsync(bool deliverTwice = false)
    {
        var fired = 0;
        while (await _queues.ReceiveAsync(CareWindowTimer.Queue, 32, TimeSpan.FromMinutes(5)) is { Count: > 0 } due)
        {
            foreach (var m in due)
            {
                var invocation = new QueueInvocation("CareWindowTimer", CareWindowTimer.Queue, m.Text, m.MessageId, m.DequeueCount, m.InsertedOn);
                await _timer.HandleAsync(invocation, default);
                if (deliverTwice) await _timer.HandleAsync(invocation, default);
                await _queues.DeleteMessageAsync(CareWindowTimer.Queue, m.MessageId, m.PopReceipt);
                fired++;
            }
        }
        return fired;
    }

    private Task<IReadOnlyList<ConversationEvent>> EventsAsync(Conversation c) => _timer.EventsAsync(Tenant, c.Id, default);

    [Fact]
    public async Task TheWindowClosesExactly24HoursAfterTheLastCustomerMessage()
    {
        var conversation = await CustomerWritesAsync("wamid.1");
        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await FireDueTimersAsync());
        Assert.Empty(await EventsAsync(conversation));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await FireDueTimersAsync());
        var closed = Assert.Single(await EventsAsync(conversation));
        Assert.Equal((ConversationEvent.WindowClosed, T0.AddHours(24)), (closed.Type, closed.WindowExpiresAt));
        Assert.False((await _conversations.GetAsync(Tenant, conversation.Id, default))!.Window.IsOpenAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task ATimerForAWindowTheCustomerRenewedDoesNothing()
    {
        var conversation = await CustomerWritesAsync("wamid.a");
        _time.Advance(TimeSpan.FromHours(10));
        await CustomerWritesAsync("wamid.b");

        _time.Advance(TimeSpan.FromHours(14)); // the first window's time: stale
        Assert.Equal(1, await FireDueTimersAsync());
        Assert.Empty(await EventsAsync(conversation));

        _time.Advance(TimeSpan.FromHours(10)); // the renewed window closes
        Assert.Equal(1, await FireDueTimersAsync());
        Assert.Equal(T0.AddHours(34), Assert.Single(await EventsAsync(conversation)).WindowExpiresAt);
    }

    [Fact]
    public async Task AReminderComesTheConfiguredTimeBeforeTheWindowCloses()
    {
        _options.ReminderBefore = TimeSpan.FromHours(1);
        var conversation = await CustomerWritesAsync("wamid.r");
        _time.Advance(TimeSpan.FromHours(23));
        await FireDueTimersAsync();
        Assert.Equal([ConversationEvent.WindowClosing], (await EventsAsync(conversation)).Select(e => e.Type));
        _time.Advance(TimeSpan.FromHours(1));
        await FireDueTimersAsync();
        Assert.Equal([ConversationEvent.WindowClosed, ConversationEvent.WindowClosing], (await EventsAsync(conversation)).Select(e => e.Type).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ATimerDeliveredTwiceRecordsTheClosingOnce()
    {
        var conversation = await CustomerWritesAsync("wamid.d");
        await _timer.ScheduleAsync(Tenant, conversation, default); // scheduled again, as a redelivered webhook does
        _time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(2, await FireDueTimersAsync(deliverTwice: true));
        Assert.Single(await EventsAsync(conversation));
    }

    [Fact]
    public async Task ATimerThatFiresEarlyWaitsForTheRest()
    {
        var conversation = await CustomerWritesAsync("wamid.e");
        var tick = System.Text.Json.JsonSerializer.Serialize(
            new CareWindowTick(Tenant, conversation.Id, T0.UtcTicks, ConversationEvent.WindowClosed), System.Text.Json.JsonSerializerOptions.Web);
        await _timer.HandleAsync(new QueueInvocation("CareWindowTimer", CareWindowTimer.Queue, tick, "early", 1, T0), default);
        Assert.Empty(await EventsAsync(conversation));
        Assert.Equal(2, await _queues.GetApproximateMessageCountAsync(CareWindowTimer.Queue)); // the scheduled one, and the early one re-armed

        _time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(2, await FireDueTimersAsync());
        Assert.Single(await EventsAsync(conversation));
    }
}
