using Functions.Channels;
using Functions.Conversations;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>
/// A redelivered message can carry another time than the first delivery (Twilio's inbound
/// webhooks have none: the time each was received stands in): it is still one message, kept at
/// its first time.
/// </summary>
public sealed class ConversationStoreRedeliveryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryTableStore _tables;
    private readonly ConversationStore _store;

    public ConversationStoreRedeliveryTests()
    {
        _tables = new InMemoryTableStore(_time);
        _store = new ConversationStore(_tables, _time);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(Conversation.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.IndexTable);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ARedeliveryWithAnotherTimeIsStillOneMessageAtTheFirstTime()
    {
        var first = new InboundMessageEvent("twilio", "SM1", "+46701234567", "+14155238886", T0, MessageKind.Text) { Text = "Hi" };
        var recorded = await _store.RecordInboundAsync("shop", first.To, first, default);
        var again = await _store.RecordInboundAsync("shop", first.To, first with { Timestamp = T0.AddMinutes(3) }, default);

        Assert.True(again.Duplicate);
        Assert.Equal((recorded.Message.Id, recorded.Message.RowKey, T0), (again.Message.Id, again.Message.RowKey, again.Message.At));
        var message = Assert.Single((await _store.ListMessagesAsync("shop", recorded.Conversation!.Id, 10, null, default)).Messages);
        Assert.Equal(T0, message.At);
    }
}
