using Functions.Hosting;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Hosting;

/// <summary>The standalone queue trigger: the Functions host's rules, run by the app itself.</summary>
public sealed class QueueRunnerTests : IAsyncLifetime
{
    private readonly InMemoryQueueStore _store = new(TimeProvider.System);
    private readonly ScriptedQueueStore _queues;
    private readonly InMemoryTableStore _tables = new(TimeProvider.System);
    private readonly TestFunctionLog _log = new();
    private readonly FunctionCatalog _catalog = new FunctionCatalog()
        .AddQueue<CountGreetingHandler>("CountGreeting", "greetings")
        .AddQueue<AlwaysFailingHandler>("AlwaysFails", "doomed")
        .AddQueue<SlowHandler>("Slow", "slow")
        .AddQueue<CancellableSlowHandler>("Long", "long");
    private readonly QueueRunnerOptions _options = new()
    {
        MaxDequeueCount = 3,
        BatchSize = 2,
        VisibilityTimeout = TimeSpan.Zero,
        MaxPollingInterval = TimeSpan.FromMilliseconds(200),
    };
    private QueueRunner? _runner;

    public QueueRunnerTests() => _queues = new ScriptedQueueStore(_store);

    public async Task InitializeAsync()
    {
        foreach (var q in _catalog.QueueFunctions)
        {
            await _queues.CreateQueueIfNotExistsAsync(q.QueueName);
            await _queues.CreateQueueIfNotExistsAsync(q.PoisonQueueName);
        }
        await _tables.CreateTableIfNotExistsAsync(PoisonMessages.Table);
        await _tables.CreateTableIfNotExistsAsync(CountGreetingHandler.Table);
    }

    public async Task DisposeAsync()
    {
        if (_runner is not null)
        {
            await _runner.StopAsync(CancellationToken.None);
            _runner.Dispose();
        }
    }

    private async Task StartRunnerAsync(TimeSpan? leaseDuration = null)
    {
        if (leaseDuration is { } lease) _options.LeaseDuration = lease;
        var services = new ServiceCollection()
            .AddSingleton<ITableStore>(_tables)
            .AddSingleton(_log)
            .BuildServiceProvider();
        _runner = new QueueRunner(_catalog, _queues, new FunctionInvoker(services.GetRequiredService<IServiceScopeFactory>()),
            new PoisonMessages(_queues, _tables, TimeProvider.System, NullLogger<PoisonMessages>.Instance), Options.Create(_options), TimeProvider.System,
            NullLogger<QueueRunner>.Instance);
        await _runner.StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AHandledMessageIsDeletedAndHandledOnce()
    {
        await StartRunnerAsync();
        var sent = await _queues.SendAsync("greetings", "Ada");

        await Eventually.TrueAsync(async () => await _tables.GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", sent.MessageId) is not null, "the greeting is stored");
        await Eventually.TrueAsync(async () => await _queues.GetApproximateMessageCountAsync("greetings") == 0, "the message is deleted");
        var invocation = Assert.Single(_log.Invocations);
        Assert.Equal("Ada", invocation.MessageText);
        Assert.Equal(1, invocation.DequeueCount);
        Assert.Equal("greetings", invocation.QueueName);
    }

    [Fact]
    public async Task AMessageThatAlwaysFailsEndsInThePoisonQueueWithItsDequeueCountAndLastError()
    {
        await StartRunnerAsync();
        var sent = await _queues.SendAsync("doomed", "{\"order\":42}");

        await Eventually.TrueAsync(async () => await _queues.GetApproximateMessageCountAsync("doomed-poison") == 1, "the message is poisoned");
        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync("doomed"));
        Assert.Equal([1L, 2L, 3L], _log.Invocations.Select(i => i.DequeueCount));

        var poisoned = Assert.Single(await _queues.ReceiveAsync("doomed-poison", 32, TimeSpan.FromMinutes(1)));
        Assert.Equal("{\"order\":42}", poisoned.Text);
        var reason = Assert.Single(await new PoisonMessages(_queues, _tables, TimeProvider.System, NullLogger<PoisonMessages>.Instance).ListReasonsAsync(_catalog.QueueFunctions.Single(q => q.QueueName == "doomed"), default));
        Assert.Equal(poisoned.MessageId, reason.GetString("PoisonMessageId"));
        Assert.Equal(3L, reason.GetInt64("DequeueCount"));
        Assert.Equal(sent.MessageId, reason.GetString("OriginalMessageId"));
        Assert.Equal("AlwaysFails", reason.GetString("FunctionName"));
        Assert.Contains("InvalidOperationException: Attempt 3 failed on purpose.", reason.GetString("LastError"));
    }

    [Fact]
    public async Task AMessageDequeuedTooOftenWithoutFinishingIsPoisonedWithoutRunning()
    {
        // Three earlier receives whose handlers never finished (a crashed instance, say).
        await _queues.SendAsync("greetings", "Crashy");
        for (var i = 0; i < 3; i++)
        {
            var m = Assert.Single(await _queues.ReceiveAsync("greetings", 1, TimeSpan.FromSeconds(30)));
            await _queues.UpdateVisibilityAsync("greetings", m.MessageId, m.PopReceipt, TimeSpan.Zero);
        }
        await StartRunnerAsync();

        await Eventually.TrueAsync(async () => await _queues.GetApproximateMessageCountAsync("greetings-poison") == 1, "the message is poisoned");
        Assert.Empty(_log.Invocations);
        var reason = Assert.Single(await new PoisonMessages(_queues, _tables, TimeProvider.System, NullLogger<PoisonMessages>.Instance).ListReasonsAsync(_catalog.QueueFunctions.First(), default));
        Assert.Equal(4L, reason.GetInt64("DequeueCount"));
        Assert.Contains("without completing", reason.GetString("LastError"));
    }

    [Fact]
    public async Task NoMoreThanBatchSizeMessagesRunAtOnceAndAllAreHandled()
    {
        for (var i = 0; i < 8; i++) await _queues.SendAsync("slow", $"m{i}");
        await StartRunnerAsync();

        await Eventually.TrueAsync(() => Task.FromResult(_log.Invocations.Count == 8), "all eight messages are handled");
        Assert.Equal(2, _log.MaxConcurrent);
        await Eventually.TrueAsync(async () => await _queues.GetApproximateMessageCountAsync("slow") == 0, "all are deleted");
        Assert.Equal(8, _log.Invocations.Select(i => i.MessageText).Distinct().Count());
    }

    [Fact]
    public async Task StoppingLetsHandlersInFlightFinishAndSettleTheirMessages()
    {
        await _queues.SendAsync("slow", "first");
        await _queues.SendAsync("slow", "second");
        await StartRunnerAsync();
        await Eventually.TrueAsync(() => Task.FromResult(_log.MaxConcurrent == 2), "both handlers are running");

        await _runner!.StopAsync(CancellationToken.None);

        Assert.Equal(["first", "second"], _log.Invocations.Select(i => i.MessageText).Order());
        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync("slow"));
        _runner.Dispose();
        _runner = null;
    }

    [Fact]
    public async Task AStorageOutageWhileReceivingDoesNotStopTheQueue()
    {
        // What Azure.Core throws once its retries run out, and what a network time-out looks like.
        _queues.ReceiveFailures.Enqueue(new AggregateException("Retry failed after 4 tries.", new HttpRequestException("connection refused")));
        _queues.ReceiveFailures.Enqueue(new TaskCanceledException("The request timed out."));
        _queues.ReceiveFailures.Enqueue(new Azure.RequestFailedException(503, "Server busy", "ServerBusy", null));
        await StartRunnerAsync();
        await Eventually.TrueAsync(() => Task.FromResult(_queues.ReceiveFailures.IsEmpty), "every scripted failure was hit");

        var sent = await _queues.SendAsync("greetings", "after the outage");
        await Eventually.TrueAsync(async () => await _tables.GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", sent.MessageId) is not null, "the queue is polled again");
    }

    [Fact]
    public async Task ALongHandlerKeepsItsMessageByRenewingTheLeaseAndRunsOnce()
    {
        await _queues.SendAsync("long", "ms:5000");
        await StartRunnerAsync(leaseDuration: TimeSpan.FromSeconds(2)); // renewed every second; the handler takes 5

        await Eventually.TrueAsync(() => Task.FromResult(_log.Invocations.Count == 1), "the handler finished");
        await Eventually.TrueAsync(async () => await _store.GetApproximateMessageCountAsync("long") == 0, "the message is deleted");
        Assert.Equal(1, _log.MaxConcurrent);
        Assert.Empty(_log.Cancelled);
        Assert.True(_queues.VisibilityUpdates >= 3, $"{_queues.VisibilityUpdates} renewals");
    }

    [Fact]
    public async Task ATransientRenewalFailureIsRetriedAndTheResultStillCounts()
    {
        _queues.VisibilityFailures.Enqueue(new AggregateException("Retry failed after 4 tries.", new HttpRequestException("reset")));
        // Renewal at 2 s fails, its retry at 2.5 s works, the next at 4.5 s; the job ends at 5 s. The lease
        // would run out at 4 s, so a loaded machine has 1.5 s of slack before a second receiver could get it.
        await _queues.SendAsync("long", "ms:5000");
        await StartRunnerAsync(leaseDuration: TimeSpan.FromSeconds(4));

        await Eventually.TrueAsync(() => Task.FromResult(_log.Invocations.Count == 1), "the handler finished");
        await Eventually.TrueAsync(async () => await _store.GetApproximateMessageCountAsync("long") == 0, "the message is deleted despite the failed renewal");
        Assert.True(_queues.VisibilityFailures.IsEmpty, "the renewal failure happened");
        Assert.Equal(1, _log.MaxConcurrent);
    }

    [Fact]
    public async Task ALostLeaseCancelsTheHandlerAndLeavesTheMessageToItsNewReceiver()
    {
        _queues.VisibilityFailures.Enqueue(new Azure.RequestFailedException(404, "The specified message does not exist.", StorageErrorCodes.MessageNotFound, null));
        var sent = await _queues.SendAsync("long", "contested job");
        await StartRunnerAsync(leaseDuration: TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => Task.FromResult(!_log.Cancelled.IsEmpty), "the handler is cancelled");
        Assert.Equal(sent.MessageId, _log.Cancelled.First().MessageId);
        Assert.Equal(0, await _store.GetApproximateMessageCountAsync("long-poison"));
    }

    [Fact]
    public async Task HandlersBuiltForOneMessageAreDisposedAfterIt()
    {
        await _queues.SendAsync("long", "job");
        await StartRunnerAsync();
        await Eventually.TrueAsync(() => Task.FromResult(!_log.Disposed.IsEmpty), "the handler is disposed");
        Assert.Single(_log.Invocations);
    }

    [Fact]
    public async Task AQueueFunctionsQueuesAreCreatedFromTheCatalogAlone()
    {
        await using var app = new FunctionsAppFactory(addFunctions: (c, _) => c.AddQueue<CountGreetingHandler>("Fresh", "fresh-queue"));
        var client = app.CreateClient();
        var health = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<HealthReport>(client, "/api/health", TestJson.Options);
        Assert.Equal("ok", health!.Status);
        Assert.Contains(health.Queues, q => q.Name == "fresh-queue");
        Assert.Equal(0, await app.Get<IQueueStore>().GetApproximateMessageCountAsync("fresh-queue-poison"));
    }
}
