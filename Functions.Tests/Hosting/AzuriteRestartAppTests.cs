using System.Net.Http.Json;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Hosting;

/// <summary>
/// The whole app on Azurite with disk persistence: what it wrote before it stopped is all there
/// after it (and Azurite) start again, and a message that always fails ends in the poison queue.
/// </summary>
public sealed class AzuriteRestartAppTests : IAsyncLifetime
{
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-app-").FullName;
    private AzuriteProcess _azurite = null!;

    public async Task InitializeAsync()
    {
        _azurite = new AzuriteProcess(_location);
        await _azurite.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        Directory.Delete(_location, recursive: true);
    }

    private FunctionsAppFactory App() => new(
        new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["Queues:MaxDequeueCount"] = "3",
            ["Queues:VisibilityTimeout"] = "00:00:00",
            ["Queues:MaxPollingInterval"] = "00:00:00.200",
        },
        (catalog, layout) =>
        {
            catalog.AddQueue<CountGreetingHandler>("CountGreeting", "greetings")
                .AddQueue<AlwaysFailingHandler>("AlwaysFails", "doomed");
            layout.AddTables(CountGreetingHandler.Table, "KeptRows").AddQueues("parked");
        });

    [Fact]
    public async Task RowsAndMessagesSurviveARestartAndAFailingMessageEndsPoisonedWithItsDequeueCount()
    {
        var greetings = new List<string>();
        long[] doomedAttempts;
        await using (var before = App())
        {
            var health = await before.CreateClient().GetFromJsonAsync<HealthReport>("/api/health", TestJson.Options);
            Assert.Equal("azure", health!.Storage);

            var tables = before.Get<ITableStore>();
            var queues = before.Get<IQueueStore>();
            for (var i = 0; i < 30; i++)
            {
                await tables.InsertAsync("KeptRows", new TableEntity("p", $"r{i:D2}") { ["I"] = i, ["At"] = DateTimeOffset.UnixEpoch.AddDays(i) });
            }
            for (var i = 0; i < 20; i++)
            {
                await queues.SendAsync("parked", $"parked {i}");
            }
            for (var i = 0; i < 5; i++)
            {
                greetings.Add((await queues.SendAsync("greetings", $"guest {i}")).MessageId);
            }
            await queues.SendAsync("doomed", "never works");

            await Eventually.TrueAsync(async () => await queues.GetApproximateMessageCountAsync("doomed-poison") == 1, "the failing message is poisoned");
            await Eventually.TrueAsync(async () => await queues.GetApproximateMessageCountAsync("greetings") == 0, "the greetings are handled");
            doomedAttempts = [.. before.Get<TestFunctionLog>().Invocations.Where(i => i.QueueName == "doomed").Select(i => i.DequeueCount)];
        }

        await _azurite.StopAsync();
        await _azurite.StartAsync();

        await using var after = App();
        _ = after.CreateClient();
        var t = after.Get<ITableStore>();
        var q = after.Get<IQueueStore>();

        var rows = (await t.QueryAsync("KeptRows", new TableQuery("p"))).Entities;
        Assert.Equal(Enumerable.Range(0, 30), rows.Select(r => r.GetInt32("I")!.Value));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(29), rows[^1].GetDateTimeOffset("At"));
        foreach (var id in greetings)
        {
            Assert.NotNull(await t.GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", id));
        }

        var parked = new List<string>();
        while (await q.ReceiveAsync("parked", 32, TimeSpan.FromMinutes(1)) is { Count: > 0 } batch)
        {
            parked.AddRange(batch.Select(m => m.Text));
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"parked {i}").Order(), parked.Order());

        Assert.Equal(0, await q.GetApproximateMessageCountAsync("doomed"));
        var doomed = after.Get<FunctionCatalog>().QueueFunctions.Single(f => f.QueueName == "doomed");
        var poison = after.Get<PoisonMessages>();
        var reason = Assert.Single(await poison.ListReasonsAsync(doomed, default));
        Assert.Equal(3L, reason.GetInt64("DequeueCount"));
        Assert.Contains("Attempt 3 failed on purpose", reason.GetString("LastError"));
        Assert.Equal([1L, 2L, 3L], doomedAttempts);

        // Listed (peeked, its reason joined) and discarded on real storage.
        var listed = await poison.ListAsync(doomed, default);
        var poisoned = Assert.Single(listed.Messages);
        Assert.Equal(("never works", 3L), (poisoned.Text, poisoned.Reason?.DequeueCount));
        Assert.Equal(PoisonMessageOutcome.Done, (await poison.DiscardAsync(doomed, poisoned.Id, default)).Outcome);
        Assert.Equal(0, await q.GetApproximateMessageCountAsync("doomed-poison"));
        Assert.Empty(await poison.ListReasonsAsync(doomed, default));
    }
}
