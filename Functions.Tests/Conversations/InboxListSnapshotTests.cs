using Functions.Channels;
using Functions.Conversations;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>
/// Paging against a model: random customer messages, archives, closes, reopens, reassignments,
/// request links and reads between pages, and random combinations of the filters kept by index
/// key (statuses, assignment, service request) with sender and phone search; each traversal lists
/// exactly the conversations that matched when its first page was asked for, once each.
/// </summary>
public sealed class InboxListSnapshotTests
{
    private const string Tenant = "shop";
    private static readonly string[] Senders = ["s1", "s2"];
    private static readonly string[] Agents = ["ag000000000001", "ag000000000002"];

    [Fact]
    public async Task RandomChangesBetweenPagesNeitherSkipNorRepeatWhateverTheFilters()
    {
        var listed = 0;
        for (var seed = 0; seed < 20; seed++) listed += await TraversalsMatchTheirSnapshotAsync(seed);
        Assert.True(listed > 150, $"the traversals listed {listed} conversations in all: too few to prove much");
    }

    /// <summary>Twelve traversals with random filters over one random history; returns how many conversations they listed.</summary>
    private static async Task<int> TraversalsMatchTheirSnapshotAsync(int seed)
    {
        var total = 0;
        var rng = new Random(seed);
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var tables = new InMemoryTableStore(time);
        await tables.CreateTableIfNotExistsAsync(Conversation.Table);
        await tables.CreateTableIfNotExistsAsync(ConversationMessage.Table);
        await tables.CreateTableIfNotExistsAsync(ConversationMessage.IndexTable);
        var store = new ConversationStore(tables, time);
        var n = 0;

        async Task RandomOpAsync()
        {
            var phone = $"+4670{rng.Next(40):D7}";
            var sender = Senders[rng.Next(2)];
            switch (rng.Next(8))
            {
                case 0 or 1 or 2:
                    await store.RecordInboundAsync(Tenant, sender, new InboundMessageEvent("meta", $"w{++n}", phone, sender, time.GetUtcNow(), MessageKind.Text) { Text = "hi" }, default);
                    break;
                default:
                    if (await store.FindOpenAsync(Tenant, sender, phone, default) is not { } c) break;
                    switch (rng.Next(5))
                    {
                        case 0: await store.ArchiveAsync(Tenant, c.Id, default); break;
                        case 1: if (rng.Next(3) == 0) await store.CloseAsync(Tenant, c.Id, default); else await store.ReopenAsync(Tenant, c.Id, default); break;
                        case 2: await store.UpdateAsync(Tenant, c.Id, x => x with { AssignedAgentId = rng.Next(3) == 0 ? null : Agents[rng.Next(2)] }, default); break;
                        case 3: await store.UpdateAsync(Tenant, c.Id, x => x with { ServiceRequest = rng.Next(2) == 0 ? null : new ServiceRequestLink("SR-" + rng.Next(2), "t", null) }, default); break;
                        default: await store.UpdateAsync(Tenant, c.Id, x => x with { UnreadCount = 0 }, default); break;
                    }
                    break;
            }
            time.Advance(TimeSpan.FromMilliseconds(rng.Next(0, 400)));
        }

        for (var i = 0; i < 150; i++) await RandomOpAsync();

        for (var round = 0; round < 12; round++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            var statuses = Enum.GetValues<ConversationStatus>().Where(_ => rng.Next(2) == 0).ToList();
            if (statuses.Count == 0) statuses.Add(ConversationStatus.Active);
            var filter = new InboxFilter
            {
                Statuses = statuses,
                AssignedAgentId = rng.Next(3) switch { 0 => null, 1 => "", _ => Agents[rng.Next(2)] },
                ServiceRequestId = rng.Next(3) == 0 ? "SR-" + rng.Next(2) : null,
                Sender = rng.Next(3) == 0 ? Senders[rng.Next(2)] : null,
                Search = rng.Next(3) == 0 ? "+46700000" + rng.Next(1, 4) : null,
            };
            // The expected snapshot: every conversation as stored right now, before the first page.
            var snapshot = (await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(Tenant, "c:")))
                .Select(Conversation.FromEntity)
                .Where(c => statuses.Contains(c.Status)
                    && (filter.AssignedAgentId is null || (c.AssignedAgentId ?? "") == filter.AssignedAgentId)
                    && (filter.ServiceRequestId is null || c.ServiceRequest?.ExternalId == filter.ServiceRequestId)
                    && (filter.Sender is null || c.Sender == filter.Sender)
                    && (filter.Search is null || c.ContactPhone.Contains(filter.Search, StringComparison.Ordinal)))
                .Select(c => c.Id).Order().ToList();
            time.Advance(InboxList.SnapshotLag + TimeSpan.FromTicks(1));

            var handedOut = new List<string>();
            string? token = null;
            var pageSize = rng.Next(1, 6);
            do
            {
                var page = await store.ListAsync(Tenant, filter, pageSize, token, default);
                handedOut.AddRange(page.Items.Select(c => c.Id));
                token = page.ContinuationToken;
                for (var k = rng.Next(4); k > 0; k--) await RandomOpAsync();
            }
            while (token is not null);

            Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
            Assert.Equal(snapshot, handedOut.Order().ToList());
            total += snapshot.Count;
        }
        return total;
    }
}
