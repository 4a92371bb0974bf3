using Functions.Channels;
using Functions.Conversations;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>
/// A list pages through the inbox as it was when it started, also when what it filters on changes
/// between pages without new activity (marked read, tagged, renamed) and the conversation is then
/// written to again: the row that listed it at the start keeps the values it had then.
/// </summary>
public sealed class InboxListFilterChangeTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly ConversationStore _store;
    private int _messages;

    public InboxListFilterChangeTests()
    {
        var tables = new InMemoryTableStore(_time);
        foreach (var table in new[] { Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable })
        {
            tables.CreateTableIfNotExistsAsync(table).GetAwaiter().GetResult();
        }
        _store = new ConversationStore(tables, _time);
    }

    private async Task<Conversation> CustomerWritesAsync(int customer)
    {
        var inbound = new InboundMessageEvent("meta", $"w{++_messages}", $"+4670000000{customer}", "s", _time.GetUtcNow(), MessageKind.Text) { Text = "hi", ProfileName = $"Customer {customer}" };
        var conversation = (await _store.RecordInboundAsync("shop", "s", inbound, default)).Conversation!;
        _time.Advance(TimeSpan.FromSeconds(1));
        return conversation;
    }

    /// <summary>
    /// Three customers write, oldest first (each then given <paramref name="prepare"/>); a list of two
    /// per page starts; between its pages <paramref name="change"/> happens to the oldest, which then
    /// writes again. Returns what the list handed out, having checked it holds the oldest once.
    /// </summary>
    private async Task<List<string>> ListAcrossAChangeAsync(InboxFilter filter, Func<Conversation, Conversation> change, Func<Conversation, Conversation>? prepare = null)
    {
        var conversations = new List<Conversation>();
        for (var customer = 1; customer <= 3; customer++)
        {
            var conversation = await CustomerWritesAsync(customer);
            if (prepare is not null) await _store.UpdateAsync("shop", conversation.Id, prepare, default);
            conversations.Add(conversation);
        }
        var oldest = conversations[0];
        _time.Advance(InboxList.SnapshotLag);

        var page = await _store.ListAsync("shop", filter, 2, null, default);
        var listed = page.Items.Select(c => c.Id).ToList();
        Assert.DoesNotContain(oldest.Id, listed);
        await _store.UpdateAsync("shop", oldest.Id, change, default);
        _time.Advance(TimeSpan.FromSeconds(1));
        await CustomerWritesAsync(1);
        while (page.ContinuationToken is not null)
        {
            page = await _store.ListAsync("shop", filter, 2, page.ContinuationToken, default);
            listed.AddRange(page.Items.Select(c => c.Id));
        }
        Assert.Equal(listed.Distinct().Count(), listed.Count);
        Assert.Contains(oldest.Id, listed);
        return listed;
    }

    [Fact]
    public async Task AnUnreadConversationMarkedReadAndWrittenToBetweenPagesIsListedOnce() =>
        Assert.Equal(3, (await ListAcrossAChangeAsync(new InboxFilter { UnreadOnly = true }, c => c with { UnreadCount = 0 })).Count);

    [Fact]
    public async Task ATaggedConversationUntaggedAndWrittenToBetweenPagesIsListedOnce() =>
        Assert.Equal(3, (await ListAcrossAChangeAsync(new InboxFilter { TagId = "vip" }, c => c with { Tags = [] }, prepare: c => c with { Tags = ["vip"] })).Count);

    [Fact]
    public async Task AConversationFoundByNameRenamedAndWrittenToBetweenPagesIsListedOnce() =>
        Assert.Equal(3, (await ListAcrossAChangeAsync(new InboxFilter { Search = "Customer" }, c => c with { ContactName = "Karl" })).Count);
}
