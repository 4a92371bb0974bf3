using System.Diagnostics;
using Functions.Channels;
using Functions.Conversations;
using Functions.Storage;
using Functions.Storage.AzureStorage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Benchmarks;

/// <summary>
/// The inbox list and detail over a big tenant. Seeding goes through the real store: each
/// conversation's customer writes twice (so its index row has moved once and a ghost row stands
/// where it was, as for every conversation written in the last quarter hour: the worst case for
/// a list), the rest of its messages are written straight to its message partition. Activity is
/// spread over 30 days before "now"; 20% are archived, 10% closed, half assigned to one of 20
/// agents, half read, every tenth tagged "vip", each with a profile name to search for. Then each
/// list and the detail are timed one request at a time, at "now", as the endpoints run them (the
/// store's list plus the agents and tags that name what conversations hold by id; no HTTP).
/// </summary>
public static class InboxScenario
{
    private const string Tenant = "bench";
    private const string Sender = "106540352242922";

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary><c>inbox [in-memory|azurite] [conversations] [messages per conversation] [requests per row]</c>; prints Markdown for BENCHMARKS.md.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        var adapter = args.ElementAtOrDefault(1) ?? "in-memory";
        var conversations = int.TryParse(args.ElementAtOrDefault(2), out var n) ? n : 100_000;
        var messages = int.TryParse(args.ElementAtOrDefault(3), out var m) ? m : 10;
        var requests = int.TryParse(args.ElementAtOrDefault(4), out var r) ? r : 200;
        var rows = await RunAsync(adapter, conversations, messages, requests);
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine(rows[0]);
        Console.WriteLine("| adapter | request | requests | items/request | p50 ms | p99 ms | max ms |\n|---|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows.Skip(1)) Console.WriteLine(row);
        Console.WriteLine($"peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
        return 0;
    }

    public static async Task<IReadOnlyList<string>> RunAsync(string adapter, int conversations, int messagesPerConversation, int requests)
    {
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        var clock = new Clock(now.AddDays(-30));
        await using var azurite = adapter == "azurite" ? new AzuriteProcess() : null;
        ITableStore tables;
        if (azurite is not null)
        {
            await azurite.StartAsync();
            tables = new TableStorageClient(azurite.Account);
        }
        else
        {
            tables = new InMemoryTableStore(clock);
        }
        // Seeded through the real store in memory (one conversation at a time: the clock is shared), then,
        // for Azurite, every row copied over in batch transactions: the same rows the store writes, at a
        // fraction of the requests seeding through the store would take against Azurite.
        ITableStore seedTables = azurite is null ? tables : new InMemoryTableStore(clock);
        var tableNames = new[] { Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable };
        foreach (var table in tableNames)
        {
            await tables.CreateTableIfNotExistsAsync(table);
            await seedTables.CreateTableIfNotExistsAsync(table);
        }
        var seedStore = new ConversationStore(seedTables, clock);
        var seedCatalog = new InboxCatalog(seedTables, clock);

        var seeding = Stopwatch.StartNew();
        var agents = new List<InboxAgent>();
        for (var a = 0; a < 20; a++) agents.Add((await seedCatalog.AddAgentAsync(Tenant, $"Agent {a}", available: true, default))!);
        var (vip, _) = await seedCatalog.CreateTagAsync(Tenant, "VIP", "#ff0000", default);
        var span = TimeSpan.FromDays(30);
        var ids = new string[conversations];
        for (var i = 0; i < conversations; i++)
        {
            if (i % 10_000 == 0) Console.Error.WriteLine($"seeding {i:N0}…");
            ids[i] = await SeedAsync(seedStore, clock, seedTables, agents, vip!.Id, i, now - span + span * i / conversations, messagesPerConversation);
        }
        var copied = 0;
        if (azurite is not null)
        {
            // Not the message index (message ids to rows): no list or detail reads it, and Azurite fills a
            // partition in O(n²) (it scans the partition for each row written), which for 100,000 index
            // rows in one partition takes hours.
            var partitions = new List<(string Table, string Partition)> { (Conversation.Table, Tenant) };
            partitions.AddRange(ids.Select(id => (ConversationMessage.Table, ConversationMessage.Partition(Tenant, id))));
            copied = await CopyAsync(seedTables, tables, partitions);
        }
        seeding.Stop();
        clock.Now = now;
        var store = new ConversationStore(tables, clock);
        var catalog = new InboxCatalog(tables, clock);
        var indexRows = (await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(Tenant, ConversationIndex.Prefix))).Count;

        var rows = new List<string>
        {
            Echo($"seeded {conversations:N0} conversations, {conversations * messagesPerConversation:N0} messages, {indexRows:N0} index rows (ghosts included) on {adapter} in {seeding.Elapsed.TotalSeconds:N0} s"
                + (copied > 0 ? $" (through the store in memory, then {copied:N0} rows copied to Azurite in batch transactions)" : "")),
        };
        async Task TimeAsync(string what, Func<int, Task<int>> run)
        {
            for (var w = 0; w < Math.Max(3, requests / 10); w++) await run(w); // warm up
            var latencies = new double[requests];
            var items = 0L;
            for (var r = 0; r < requests; r++)
            {
                var start = Stopwatch.GetTimestamp();
                items += await run(r);
                latencies[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(latencies);
            rows.Add(Echo($"| {adapter} | {what} | {requests} | {items / (double)requests:N1} | {latencies[requests / 2]:N2} | {latencies[Math.Min(requests - 1, requests * 99 / 100)]:N2} | {latencies[^1]:N2} |"));
        }

        async Task<int> ListAsync(InboxFilter filter, int pages = 1)
        {
            string? token = null;
            var count = 0;
            for (var p = 0; p < pages; p++)
            {
                var page = await store.ListAsync(Tenant, filter, 50, token, default);
                var names = await InboxNames.LoadAsync(catalog, Tenant, default);
                count += page.Items.Select(c => ConversationView.Of(c, now, names)).Count();
                token = page.ContinuationToken;
                if (token is null) break;
            }
            return count;
        }

        await TimeAsync("list active, first page", _ => ListAsync(new InboxFilter()));
        await TimeAsync("list active, pages 1-10 (each page timed together)", _ => ListAsync(new InboxFilter(), pages: 10));
        await TimeAsync("list all statuses, first page", _ => ListAsync(new InboxFilter { Statuses = Enum.GetValues<ConversationStatus>() }));
        await TimeAsync("list tag vip (10%)", _ => ListAsync(new InboxFilter { TagId = vip!.Id }));
        await TimeAsync("list unread, assigned to one agent (2.5%)", r => ListAsync(new InboxFilter { UnreadOnly = true, AssignedAgentId = agents[r % agents.Count].Id }));
        await TimeAsync("list unassigned", _ => ListAsync(new InboxFilter { AssignedAgentId = "" }));
        await TimeAsync("list window open", _ => ListAsync(new InboxFilter { WindowOpen = true }));
        await TimeAsync("list closing within 60 min", _ => ListAsync(new InboxFilter { ClosingWithinMinutes = 60 }));
        await TimeAsync("list service request (1 match)", r => ListAsync(new InboxFilter { ServiceRequestId = $"SR-{r * 7919 % conversations}" }));
        await TimeAsync("search name, first page (≤ 2,000 rows read)", r => ListAsync(new InboxFilter { Search = $"Customer {r * 7919 % conversations}" }));
        await TimeAsync("search phone digits, first page", r => ListAsync(new InboxFilter { Search = $"{r * 7919 % conversations:D7}" }));
        await TimeAsync("search common word, first page", _ => ListAsync(new InboxFilter { Search = "order" }));
        await TimeAsync("detail (conversation, 20 newest messages, names)", async r =>
        {
            var id = ids[r * 7919 % conversations];
            var conversation = await store.GetAsync(Tenant, id, default);
            var (messages, _) = await store.ListMessagesAsync(Tenant, id, 20, null, default);
            var view = ConversationView.Of(conversation!, now, await InboxNames.LoadAsync(catalog, Tenant, default)) with
            {
                Messages = new MessagePage([.. messages.Select(m => MessageView.Of(m))], null),
            };
            return view.Messages!.Items.Count;
        });
        return rows;
    }

    /// <summary>Progress on stderr as it comes (an Azurite run is long); the Markdown goes to stdout at the end.</summary>
    private static string Echo(string line)
    {
        Console.Error.WriteLine(line);
        return line;
    }

    /// <summary>Copies every row of the given partitions in upsert batches of up to 100 (one partition each), 8 at a time; returns the rows copied.</summary>
    private static async Task<int> CopyAsync(ITableStore from, ITableStore to, IReadOnlyList<(string Table, string Partition)> partitions)
    {
        var next = -1;
        var copied = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var p = Interlocked.Increment(ref next); p < partitions.Count; p = Interlocked.Increment(ref next))
            {
                var (table, partition) = partitions[p];
                var rows = await from.QueryAllAsync(table, new TableQuery(partition));
                foreach (var chunk in rows.Chunk(100))
                {
                    await to.SubmitTransactionAsync(table, [.. chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity(row.PartitionKey, row.RowKey, new Dictionary<string, object>(row.Properties, StringComparer.Ordinal))))]);
                }
                Interlocked.Add(ref copied, rows.Count);
            }
        })));
        return copied;
    }

    private static string Phone(int i) => $"+4670{i:D7}";

    private static async Task<string> SeedAsync(ConversationStore store, Clock clock, ITableStore tables, List<InboxAgent> agents, string vipTag, int i, DateTimeOffset at, int messages)
    {
        clock.Now = at;
        var phone = Phone(i);
        InboundMessageEvent Inbound(int n, DateTimeOffset when, string text) =>
            new("meta", $"wamid.{i}.{n}", phone, "+15550001111", when, MessageKind.Text) { Text = text, ProfileName = $"Customer {i}" };

        var conversation = (await store.RecordInboundAsync(Tenant, Sender, Inbound(0, at, "Hi, about my order"), default)).Conversation!;
        // The rest of the history, straight into the conversation's message partition.
        var history = Enumerable.Range(1, Math.Max(0, messages - 2)).Select(n => new ConversationMessage(
            ConversationMessage.NewId(at.AddSeconds(n)), conversation.Id, n % 2 == 0 ? MessageDirection.Inbound : MessageDirection.Outbound,
            MessageKind.Text, at.AddSeconds(n), DeliveryStatus.Delivered) { Text = $"Message {n} about order #{i}" }).ToList();
        foreach (var chunk in history.Chunk(100))
        {
            await tables.SubmitTransactionAsync(ConversationMessage.Table,
                [.. chunk.Select(m => new TableTransactionAction(TableTransactionActionType.Insert, m.ToEntity(Tenant)))]);
        }
        clock.Now = at.AddMinutes(1);
        await store.RecordInboundAsync(Tenant, Sender, Inbound(1, at.AddMinutes(1), $"Any news on order #{i}?"), default);
        await store.UpdateAsync(Tenant, conversation.Id, c => c with
        {
            AssignedAgentId = i % 2 == 0 ? agents[i / 2 % agents.Count].Id : null,
            UnreadCount = i % 4 < 2 ? 0 : c.UnreadCount,
            Tags = i % 10 == 0 ? [vipTag] : [],
            ServiceRequest = new ServiceRequestLink($"SR-{i}", "repair", null),
        }, default);
        switch (i % 10)
        {
            case 1 or 2:
                await store.ArchiveAsync(Tenant, conversation.Id, default);
                break;
            case 3:
                await store.CloseAsync(Tenant, conversation.Id, default);
                break;
        }
        return conversation.Id;
    }
}
