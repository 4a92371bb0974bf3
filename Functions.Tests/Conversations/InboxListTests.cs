using Functions.Channels;
using Functions.Conversations;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>The inbox list: newest activity first, each filter, and paging that neither skips nor repeats while messages arrive.</summary>
public sealed class InboxListTests : IAsyncLifetime
{
    private const string Tenant = "shop";
    private const string Sender = "+46850001000";
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(Start);
    private readonly InMemoryTableStore _tables;
    private readonly ConversationStore _store;
    private readonly InboxCatalog _catalog;
    private int _messages;

    public InboxListTests()
    {
        _tables = new InMemoryTableStore(_time);
        _store = new ConversationStore(_tables, _time);
        _catalog = new InboxCatalog(_tables, _time);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(Conversation.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.IndexTable);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Phone(int i) => $"+4670{i:D7}";

    /// <summary>The customer with number <paramref name="i"/> writes now; the clock then moves a second on.</summary>
    private async Task<Conversation> WritesAsync(int i, string text = "Hello", string? name = null, string sender = Sender)
    {
        var inbound = new InboundMessageEvent("meta", $"wamid.{++_messages}", Phone(i), sender, _time.GetUtcNow(), MessageKind.Text) { Text = text, ProfileName = name };
        var recorded = await _store.RecordInboundAsync(Tenant, sender, inbound, default);
        _time.Advance(TimeSpan.FromSeconds(1));
        return recorded.Conversation!;
    }

    private async Task<List<string>> AllIdsAsync(InboxFilter filter, int pageSize = 100)
    {
        _time.Advance(InboxList.SnapshotLag); // what was just written is in the snapshot
        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await _store.ListAsync(Tenant, filter, pageSize, token, default);
            ids.AddRange(page.Items.Select(c => c.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);
        return ids;
    }

    [Fact]
    public async Task TheNewestActivityComesFirstAndANewMessageMovesAConversationToTheTop()
    {
        var first = await WritesAsync(1);
        var second = await WritesAsync(2);
        var third = await WritesAsync(3);
        Assert.Equal([third.Id, second.Id, first.Id], await AllIdsAsync(new InboxFilter()));

        await WritesAsync(1, "Any news?");
        Assert.Equal([first.Id, third.Id, second.Id], await AllIdsAsync(new InboxFilter()));
        var top = (await _store.ListAsync(Tenant, new InboxFilter(), 1, null, default)).Items.Single();
        Assert.Equal(("Any news?", 2), (top.LastMessagePreview, top.UnreadCount));
    }

    [Fact]
    public async Task PagingNeitherSkipsNorRepeatsWhileNewMessagesArrive()
    {
        var original = new List<string>();
        for (var i = 0; i < 30; i++) original.Add((await WritesAsync(i)).Id);
        _time.Advance(InboxList.SnapshotLag);

        var handedOut = new List<string>();
        var page = await _store.ListAsync(Tenant, new InboxFilter(), 7, null, default);
        handedOut.AddRange(page.Items.Select(c => c.Id));
        var round = 0;
        while (page.ContinuationToken is not null)
        {
            // Between pages: customers not listed yet write (they jump to the top, above the position),
            // customers already listed write again, and new customers write for the first time.
            round++;
            await WritesAsync(round);            // among the oldest: not handed out yet
            await WritesAsync(29 - round);       // among the newest: handed out on the first page
            await WritesAsync(100 + round);      // a new conversation
            page = await _store.ListAsync(Tenant, new InboxFilter(), 7, page.ContinuationToken, default);
            handedOut.AddRange(page.Items.Select(c => c.Id));
        }

        Assert.Equal(handedOut.Count, handedOut.Distinct().Count()); // nothing repeated
        Assert.Equal(original.Order(), handedOut.Order());            // nothing skipped, nothing from after the snapshot
        Assert.True(round >= 4, "the list took several pages");

        // A fresh list shows everything, the latest activity first.
        var fresh = await AllIdsAsync(new InboxFilter(), pageSize: 100);
        Assert.Equal(30 + round, fresh.Count);
        Assert.Equal((await _store.FindOpenAsync(Tenant, Sender, Phone(100 + round), default))!.Id, fresh[0]);
    }

    [Fact]
    public async Task PagingOverSeveralStatusesNeitherSkipsNorRepeatsWhileConversationsAreArchived()
    {
        var original = new List<Conversation>();
        for (var i = 0; i < 20; i++) original.Add(await WritesAsync(i));
        for (var i = 0; i < 20; i += 3) await _store.ArchiveAsync(Tenant, original[i].Id, default);
        _time.Advance(InboxList.SnapshotLag);
        var all = new InboxFilter { Statuses = [ConversationStatus.Active, ConversationStatus.Archived] };

        var handedOut = new List<string>();
        var page = await _store.ListAsync(Tenant, all, 6, null, default);
        handedOut.AddRange(page.Items.Select(c => c.Id));
        var k = 1;
        while (page.ContinuationToken is not null)
        {
            await _store.ArchiveAsync(Tenant, original[k].Id, default);  // moves from one status range to the other
            await WritesAsync(k + 1);                                    // an archived one reopens, or an active one moves up
            k += 3;
            page = await _store.ListAsync(Tenant, all, 6, page.ContinuationToken, default);
            handedOut.AddRange(page.Items.Select(c => c.Id));
        }
        Assert.Equal(original.Select(c => c.Id).Order(), handedOut.Order());
    }

    [Fact]
    public async Task AnAgentsOwnListPagesWithoutSkipsOrRepeatsWhileConversationsAreReassignedAndWrittenTo()
    {
        var mine = new List<string>();
        for (var i = 0; i < 15; i++)
        {
            var c = await WritesAsync(i);
            await _store.UpdateAsync(Tenant, c.Id, x => x with { AssignedAgentId = i % 3 == 0 ? "ag000000000002" : "ag000000000001" }, default);
            if (i % 3 != 0) mine.Add(c.Id);
        }
        _time.Advance(InboxList.SnapshotLag);
        var filter = new InboxFilter { AssignedAgentId = "ag000000000001" };

        var handedOut = new List<string>();
        var page = await _store.ListAsync(Tenant, filter, 3, null, default);
        handedOut.AddRange(page.Items.Select(c => c.Id));
        var k = 1;
        while (page.ContinuationToken is not null)
        {
            await WritesAsync(k);                                                                             // moves up within the agent's range
            await _store.UpdateAsync(Tenant, mine[^k], x => x with { AssignedAgentId = "ag000000000002" }, default); // leaves the range
            k++;
            page = await _store.ListAsync(Tenant, filter, 3, page.ContinuationToken, default);
            handedOut.AddRange(page.Items.Select(c => c.Id));
        }
        Assert.Equal(mine.Order(), handedOut.Order());
    }

    [Fact]
    public async Task StatusesAreSeparateListsAndActiveIsTheDefault()
    {
        var active = await WritesAsync(1);
        var archived = await WritesAsync(2);
        var closed = await WritesAsync(3);
        await _store.ArchiveAsync(Tenant, archived.Id, default);
        await _store.CloseAsync(Tenant, closed.Id, default);

        Assert.Equal([active.Id], await AllIdsAsync(new InboxFilter()));
        Assert.Equal([archived.Id], await AllIdsAsync(new InboxFilter { Statuses = [ConversationStatus.Archived] }));
        Assert.Equal([closed.Id], await AllIdsAsync(new InboxFilter { Statuses = [ConversationStatus.Closed] }));
        Assert.Equal([closed.Id, archived.Id, active.Id], await AllIdsAsync(new InboxFilter { Statuses = Enum.GetValues<ConversationStatus>() }));

        // An archived conversation reopens when the customer writes; a closed one is followed by a new one.
        await WritesAsync(2);
        var followUp = await WritesAsync(3);
        Assert.NotEqual(closed.Id, followUp.Id);
        Assert.Equal([followUp.Id, archived.Id, active.Id], await AllIdsAsync(new InboxFilter()));
    }

    [Fact]
    public async Task AssignedAgentFiltersByAgentAndUnassigned()
    {
        var a = await WritesAsync(1);
        var b = await WritesAsync(2);
        await _store.UpdateAsync(Tenant, a.Id, c => c with { AssignedAgentId = "ag000000000001" }, default);

        Assert.Equal([a.Id], await AllIdsAsync(new InboxFilter { AssignedAgentId = "ag000000000001" }));
        Assert.Equal([b.Id], await AllIdsAsync(new InboxFilter { AssignedAgentId = "" }));
        Assert.Empty(await AllIdsAsync(new InboxFilter { AssignedAgentId = "ag000000000002" }));
    }

    [Fact]
    public async Task TagFilterFindsConversationsCarryingTheTagAmongSeveral()
    {
        var a = await WritesAsync(1);
        var b = await WritesAsync(2);
        await _store.UpdateAsync(Tenant, a.Id, c => c with { Tags = ["tg000000000001", "tg000000000002"] }, default);
        await _store.UpdateAsync(Tenant, b.Id, c => c with { Tags = ["tg000000000002"] }, default);

        Assert.Equal([a.Id], await AllIdsAsync(new InboxFilter { TagId = "tg000000000001" }));
        Assert.Equal([b.Id, a.Id], await AllIdsAsync(new InboxFilter { TagId = "tg000000000002" }));

        await _store.UpdateAsync(Tenant, a.Id, c => c with { Tags = ["tg000000000002"] }, default);
        Assert.Empty(await AllIdsAsync(new InboxFilter { TagId = "tg000000000001" }));
    }

    [Fact]
    public async Task UnreadOnlyLeavesOutConversationsMarkedRead()
    {
        var a = await WritesAsync(1);
        var b = await WritesAsync(2);
        await _store.UpdateAsync(Tenant, a.Id, c => c with { UnreadCount = 0 }, default);

        Assert.Equal([b.Id], await AllIdsAsync(new InboxFilter { UnreadOnly = true }));
        Assert.Equal([b.Id, a.Id], await AllIdsAsync(new InboxFilter()));
    }

    [Fact]
    public async Task WindowFiltersSplitOpenFromClosedAndFindThoseClosingSoon()
    {
        var old = await WritesAsync(1);            // window closes first
        _time.Advance(TimeSpan.FromHours(3));
        var recent = await WritesAsync(2);
        var (neverWrote, _) = await _store.OpenForAsync(Tenant, Sender, Phone(3), default); // business-started: no window
        _time.Advance(TimeSpan.FromHours(20) + TimeSpan.FromMinutes(30)); // old closes in ~30 min, recent in ~3.5 h

        Assert.Equal([recent.Id, old.Id], await AllIdsAsync(new InboxFilter { WindowOpen = true }));
        Assert.Equal([neverWrote.Id], await AllIdsAsync(new InboxFilter { WindowOpen = false }));
        Assert.Equal([old.Id], await AllIdsAsync(new InboxFilter { ClosingWithinMinutes = 60 }));
        Assert.Equal([recent.Id, old.Id], await AllIdsAsync(new InboxFilter { ClosingWithinMinutes = 240 }));

        _time.Advance(TimeSpan.FromHours(1)); // old's window has closed now
        Assert.Equal([neverWrote.Id, old.Id], await AllIdsAsync(new InboxFilter { WindowOpen = false }));
        Assert.Empty(await AllIdsAsync(new InboxFilter { ClosingWithinMinutes = 60 }));
    }

    [Fact]
    public async Task SenderAndServiceRequestFilterByExactValue()
    {
        var a = await WritesAsync(1, sender: "+46850001000");
        var b = await WritesAsync(2, sender: "+46850002000");
        await _store.UpdateAsync(Tenant, b.Id, c => c with { ServiceRequest = new ServiceRequestLink("SR-1042", "installation", "https://crm.example.com/sr/1042") }, default);

        Assert.Equal([a.Id], await AllIdsAsync(new InboxFilter { Sender = "+46850001000" }));
        Assert.Equal([b.Id], await AllIdsAsync(new InboxFilter { ServiceRequestId = "SR-1042" }));
        Assert.Empty(await AllIdsAsync(new InboxFilter { ServiceRequestId = "SR-1042' or true" }));
    }

    [Theory]
    [InlineData("astrid")]      // the contact's name, any case
    [InlineData("ORDER 1042")]  // the last message
    [InlineData("+46700000001")] // the phone
    [InlineData("700 000 001")] // the phone's digits, typed with spaces
    public async Task SearchMatchesNameLastMessageAndPhone(string search)
    {
        var astrid = await WritesAsync(1, "Where is order 1042?", name: "Astrid Lindgren");
        await WritesAsync(2, "Thanks!", name: "Bo");

        Assert.Equal([astrid.Id], await AllIdsAsync(new InboxFilter { Search = search }));
    }

    [Fact]
    public async Task FiltersCombineAndPageTogether()
    {
        var tagged = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var c = await WritesAsync(i);
            if (i % 2 == 0)
            {
                await _store.UpdateAsync(Tenant, c.Id, x => x with { Tags = ["tg000000000009"] }, default);
                tagged.Insert(0, c.Id);
            }
        }
        Assert.Equal(tagged, await AllIdsAsync(new InboxFilter { TagId = "tg000000000009", UnreadOnly = true }, pageSize: 4));
        Assert.Equal(tagged, await AllIdsAsync(new InboxFilter { TagId = "tg000000000009", Search = "hello" }, pageSize: 4));
    }

    [Fact]
    public async Task ATokenOnlyContinuesTheListItCameFrom()
    {
        for (var i = 0; i < 3; i++) await WritesAsync(i);
        _time.Advance(InboxList.SnapshotLag);
        var token = (await _store.ListAsync(Tenant, new InboxFilter(), 1, null, default)).ContinuationToken!;

        var other = await Assert.ThrowsAsync<InboxTokenException>(() => _store.ListAsync(Tenant, new InboxFilter { UnreadOnly = true }, 1, token, default));
        Assert.Contains("other filters", other.Message);
        await Assert.ThrowsAsync<InboxTokenException>(() => _store.ListAsync(Tenant, new InboxFilter(), 1, "not-a-token", default));
        await Assert.ThrowsAsync<InboxTokenException>(() => _store.ListAsync(Tenant, new InboxFilter(), 1, token[..^4], default));

        _time.Advance(ConversationIndex.GhostLifetime);
        var expired = await Assert.ThrowsAsync<InboxTokenException>(() => _store.ListAsync(Tenant, new InboxFilter(), 1, token, default));
        Assert.Contains("expired", expired.Message);
    }

    [Fact]
    public async Task MovedRowsAreKeptForOpenListsThenDeletedByALaterWrite()
    {
        var c = await WritesAsync(1);
        for (var i = 0; i < 5; i++) await WritesAsync(1);
        Assert.Equal(6, await IndexRowCountAsync()); // the current row and five ghosts

        _time.Advance(ConversationIndex.GhostLifetime);
        await WritesAsync(1);
        Assert.Equal(2, await IndexRowCountAsync()); // the current row and the ghost of this last move
        Assert.Equal([c.Id], await AllIdsAsync(new InboxFilter()));
    }

    [Fact]
    public async Task TheSweepDeletesExpiredGhostsOfConversationsNotWrittenSince()
    {
        var c = await WritesAsync(1);
        await WritesAsync(1);
        await WritesAsync(2);
        Assert.Equal(3, await IndexRowCountAsync());

        Assert.Equal(0, await _store.SweepIndexAsync(Tenant, default)); // still needed by lists paged now
        _time.Advance(ConversationIndex.GhostLifetime);
        Assert.Equal(1, await _store.SweepIndexAsync(Tenant, default));
        Assert.Equal(2, await IndexRowCountAsync());
        Assert.Empty((await _store.GetAsync(Tenant, c.Id, default))!.Index.Ghosts);
        await WritesAsync(1); // later writes still work with the ghost gone
        Assert.Equal(2, (await AllIdsAsync(new InboxFilter())).Count);
    }

    [Fact]
    public async Task RoundRobinGivesNewConversationsToAvailableAgentsInTurnEvenWhenOpenedAtOnce()
    {
        var ann = (await _catalog.AddAgentAsync(Tenant, "Ann", available: true, default))!;
        var ben = (await _catalog.AddAgentAsync(Tenant, "Ben", available: true, default))!;
        await _catalog.AddAgentAsync(Tenant, "Away", available: false, default);
        var (unassigned, _) = await _store.OpenForAsync(Tenant, Sender, Phone(99), default);
        Assert.Null(unassigned.AssignedAgentId); // off until switched on

        await _catalog.SetSettingsAsync(Tenant, new InboxSettings(RoundRobin: true), default);
        var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () => (await _store.OpenForAsync(Tenant, Sender, Phone(i), default)).Conversation)));

        var byAgent = opened.GroupBy(c => c.AssignedAgentId).ToDictionary(g => g.Key ?? "", g => g.Count());
        Assert.Equal(new Dictionary<string, int> { [ann.Id] = 3, [ben.Id] = 3 }, byAgent);
        Assert.Equal(3, (await AllIdsAsync(new InboxFilter { AssignedAgentId = ann.Id })).Count);
    }

    private async Task<int> IndexRowCountAsync() =>
        (await _tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(Tenant, ConversationIndex.Prefix))).Count;
}
