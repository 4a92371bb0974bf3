using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Functions.Hosting;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Hosting;

/// <summary>
/// The standalone timer runner, driven by <see cref="ManualTimeProvider"/>. Each test advances the fake
/// clock only once the runner is waiting on it (<see cref="ManualTimeProvider.WaitForPendingTimersAsync"/>),
/// then waits for the handler's signal; the 5 s real timeout is only a safety net.
/// </summary>
public sealed class TimerRunnerTests
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = ManualTimeProvider.DefaultStart; // Monday 2030-01-07 10:00:00Z

    [Fact]
    public async Task FiresAtEachOccurrenceAsTheClockAdvances()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        await h.StartAndWaitUntilIdleAsync();
        Assert.Contains(TimerRunner.TableName, h.Store.CreatedTables);
        Assert.Equal((null, Start.AddMinutes(5)), h.Store.Status("Cleanup"));

        for (var i = 1; i <= 3; i++)
        {
            var run = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));
            Assert.Equal(new TimerInvocation("Cleanup", Start.AddMinutes(5 * i), IsPastDue: false), run);
            await h.WaitUntilIdleAsync();
        }

        Assert.Equal((Start.AddMinutes(15), Start.AddMinutes(20)), h.Store.Status("Cleanup"));
        Assert.Equal(Start.AddMinutes(15), h.Store.Get("Cleanup")!.GetDateTimeOffset("LastUpdated"));
        Assert.False(h.Probe.HasMoreRuns);
    }

    [Fact]
    public async Task EachRunGetsANewScopeAndHandlerWhichAreDisposedAfterwards()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "*/10 * * * * *"));
        await h.StartAndWaitUntilIdleAsync();

        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceAndWaitForRunAsync(TimeSpan.FromSeconds(10));
            await h.WaitUntilIdleAsync();
        }

        Assert.Equal(3, h.Scopes.Created);
        Assert.Equal(3, h.Probe.HandlerInstances.Distinct().Count());
        Assert.Equal(3, h.Probe.HandlersDisposed);
    }

    [Fact]
    public async Task TimersRunIndependentlyOfEachOther()
    {
        await using var h = new Harness(c => c
            .AddTimer<ProbeHandler>("Every5", "0 */5 * * * *")
            .AddTimer<ProbeHandler>("Every2", "0 */2 * * * *"));
        await h.StartAndWaitUntilIdleAsync(timers: 2);

        var runs = new List<TimerInvocation>();
        foreach (var minutes in new[] { 2, 2, 1, 1 })
        {
            runs.Add(await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(minutes)));
            await h.WaitUntilIdleAsync(timers: 2);
        }

        Assert.Equal(
            [
                new TimerInvocation("Every2", Start.AddMinutes(2), false),
                new TimerInvocation("Every2", Start.AddMinutes(4), false),
                new TimerInvocation("Every5", Start.AddMinutes(5), false),
                new TimerInvocation("Every2", Start.AddMinutes(6), false),
            ],
            runs);
    }

    [Fact]
    public async Task AnOccurrenceMissedWhileDownRunsOnceAtStartUpPastDue()
    {
        var at = Start.AddSeconds(30); // 10:00:30; the 09:00 and 10:00 occurrences were missed
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Hourly", "0 0 * * * *"), at);
        h.Store.SeedStatus("Hourly", last: Start.AddHours(-2), next: Start.AddHours(-1));

        await h.Runner.StartAsync(CancellationToken.None);
        var run = await h.Probe.NextRunAsync();
        await h.WaitUntilIdleAsync();

        Assert.Equal(new TimerInvocation("Hourly", Start.AddHours(-1), IsPastDue: true), run);
        Assert.False(h.Probe.HasMoreRuns); // one catch-up run, not one per missed occurrence
        Assert.Equal((Start.AddHours(-1), Start.AddHours(1)), h.Store.Status("Hourly"));
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 2 && Equals(e.Value("FunctionName"), "Hourly"));

        var next = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(30));
        Assert.Equal(new TimerInvocation("Hourly", Start.AddHours(1), IsPastDue: false), next);
    }

    [Fact]
    public async Task AStoredNextStillAheadIsNotPastDue()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        h.Store.SeedStatus("Cleanup", last: Start.AddMinutes(-5), next: Start.AddMinutes(5));
        await h.StartAndWaitUntilIdleAsync();
        Assert.False(h.Probe.HasMoreRuns);
        Assert.Equal((Start.AddMinutes(-5), Start.AddMinutes(5)), h.Store.Status("Cleanup"));

        var run = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(new TimerInvocation("Cleanup", Start.AddMinutes(5), IsPastDue: false), run);
    }

    [Fact]
    public async Task AStoredNextFromAnOldScheduleIsIgnored()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Hourly", "0 0 * * * *"), Start.AddSeconds(30));
        h.Store.SeedStatus("Hourly", last: null, next: Start.AddMinutes(-53)); // 09:07, not on the hourly schedule

        await h.StartAndWaitUntilIdleAsync();

        Assert.False(h.Probe.HasMoreRuns);
        Assert.Equal((null, Start.AddHours(1)), h.Store.Status("Hourly"));
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 12);
    }

    [Fact]
    public async Task RunOnStartupRunsAtOnceNotPastDueThenOnSchedule()
    {
        var at = Start.AddSeconds(30);
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Warmup", "0 0 * * * *", runOnStartup: true), at);

        await h.Runner.StartAsync(CancellationToken.None);
        var first = await h.Probe.NextRunAsync();
        await h.WaitUntilIdleAsync();

        Assert.Equal(new TimerInvocation("Warmup", at, IsPastDue: false), first);
        Assert.Equal((at, Start.AddHours(1)), h.Store.Status("Warmup"));
        var second = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(30));
        Assert.Equal(new TimerInvocation("Warmup", Start.AddHours(1), IsPastDue: false), second);
    }

    [Fact]
    public async Task RunOnStartupWhenPastDueRunsOnlyOnceLikeTheHost()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Warmup", "0 0 * * * *", runOnStartup: true), Start.AddSeconds(30));
        h.Store.SeedStatus("Warmup", last: null, next: Start);

        await h.Runner.StartAsync(CancellationToken.None);
        var run = await h.Probe.NextRunAsync();
        await h.WaitUntilIdleAsync();

        Assert.Equal(new TimerInvocation("Warmup", Start, IsPastDue: true), run);
        Assert.False(h.Probe.HasMoreRuns);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1000, false)] // exactly the tolerance
    [InlineData(1001, true)]
    [InlineData(60_000, true)]
    public async Task ARunStartingLaterThanTheToleranceIsPastDue(int lateMs, bool expectPastDue)
    {
        Assert.Equal(TimeSpan.FromSeconds(1), TimerRunner.PastDueTolerance);
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        await h.StartAndWaitUntilIdleAsync();

        h.Time.SetUtcNow(Start.AddMinutes(5).AddMilliseconds(lateMs)); // e.g. the machine slept through it
        var run = await h.Probe.NextRunAsync();

        Assert.Equal(new TimerInvocation("Cleanup", Start.AddMinutes(5), expectPastDue), run);
    }

    [Fact]
    public async Task AThrowingHandlerIsLoggedAndLaterRunsStillHappen()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Flaky", "0 */5 * * * *"));
        var failure = new InvalidOperationException("boom");
        h.Probe.Behavior = (run, _) => run.ScheduledFor == Start.AddMinutes(5) ? throw failure : Task.CompletedTask;
        await h.StartAndWaitUntilIdleAsync();

        await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));
        await h.WaitUntilIdleAsync();
        var second = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));
        await h.WaitUntilIdleAsync();

        Assert.Equal(new TimerInvocation("Flaky", Start.AddMinutes(10), false), second);
        var error = Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Same(failure, error.Exception);
        Assert.Equal("Flaky", error.Value("FunctionName"));
        Assert.Equal(Start.AddMinutes(5), error.Value("ScheduledFor"));
        Assert.False(h.Probe.HasMoreRuns); // not retried
    }

    [Fact]
    public async Task AHandlerThatCannotBeBuiltIsLoggedAndTheTimerGoesOn()
    {
        await using var h = new Harness(c => c.AddTimer<UnregisteredHandler>("Orphan", "0 */5 * * * *"));
        await h.StartAndWaitUntilIdleAsync();

        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.WaitUntilIdleAsync();

        var error = Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(error.Exception);
        Assert.Equal((Start.AddMinutes(5), Start.AddMinutes(10)), h.Store.Status("Orphan"));
    }

    [Fact]
    public async Task ASlowRunNeverOverlapsTheNextAndDoesNotCatchUp()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Slow", "0 */5 * * * *"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Probe.Behavior = (run, _) => run.ScheduledFor == Start.AddMinutes(5) ? gate.Task : Task.CompletedTask;
        await h.StartAndWaitUntilIdleAsync();

        await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));   // 10:05 starts and hangs
        h.Time.Advance(TimeSpan.FromMinutes(12));                     // 10:17: 10:10 and 10:15 pass meanwhile
        Assert.Equal(0, h.Time.PendingTimerCount);
        Assert.False(h.Probe.HasMoreRuns);

        gate.SetResult();                                             // ends at 10:17
        await h.WaitUntilIdleAsync();
        Assert.Equal((Start.AddMinutes(5), Start.AddMinutes(20)), h.Store.Status("Slow"));
        Assert.False(h.Probe.HasMoreRuns);

        var next = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(new TimerInvocation("Slow", Start.AddMinutes(20), IsPastDue: false), next);
        Assert.Equal(1, h.Probe.MaxConcurrentRuns);
    }

    [Fact]
    public async Task StoppingCancelsTheWait()
    {
        var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        await h.StartAndWaitUntilIdleAsync();

        await h.Runner.StopAsync(CancellationToken.None).WaitAsync(SafetyNet);

        Assert.True(h.Runner.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Equal(0, h.Time.PendingTimerCount);
        Assert.False(h.Probe.HasMoreRuns);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task StoppingHandsTheTokenToARunningHandlerAndWaitsForIt()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Long", "0 */5 * * * *"));
        var sawCancellation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Probe.Behavior = async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            sawCancellation.SetResult();
            await release.Task;
            ct.ThrowIfCancellationRequested();
        };
        await h.StartAndWaitUntilIdleAsync();
        await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));

        var stopping = h.Runner.StopAsync(CancellationToken.None);
        await sawCancellation.Task.WaitAsync(SafetyNet);
        Assert.False(stopping.IsCompleted); // the handler is still running: the runner waits for it

        release.SetResult();
        await stopping.WaitAsync(SafetyNet);
        Assert.True(h.Runner.ExecuteTask!.IsCompletedSuccessfully);
        // The interrupted run is not recorded, so it is past due at the next start.
        Assert.Equal((null, Start.AddMinutes(5)), h.Store.Status("Long"));
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 7);
    }

    [Fact]
    public async Task AStorageOutageIsLoggedAndTimersStillRun()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        h.Store.Failing = true;
        await h.StartAndWaitUntilIdleAsync();

        var run = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));
        await h.WaitUntilIdleAsync();

        Assert.Equal(new TimerInvocation("Cleanup", Start.AddMinutes(5), false), run);
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 10); // create table
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 8);  // read status
        Assert.Contains(h.Logger.Entries, e => e.EventId.Id == 9);  // write status
        Assert.DoesNotContain(h.Logger.Entries, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task AnOccurrenceYearsAwayIsWaitedForInSlices()
    {
        // Task.Delay cannot wait more than ~49 days at once; February 29 2032 is two years away.
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("LeapDay", "0 0 0 29 2 *"));
        await h.StartAndWaitUntilIdleAsync();
        var leapDay = new DateTimeOffset(2032, 2, 29, 0, 0, 0, TimeSpan.Zero);

        h.Time.SetUtcNow(leapDay.AddSeconds(-1));
        await h.WaitUntilIdleAsync();
        var run = await h.AdvanceAndWaitForRunAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(new TimerInvocation("LeapDay", leapDay, IsPastDue: false), run);
        Assert.False(h.Runner.ExecuteTask!.IsFaulted);
    }

    [Fact]
    public async Task WithNoTimerFunctionsTheRunnerEndsAtOnce()
    {
        await using var h = new Harness(c => c.AddQueue<NoQueueHandler>("Ingest", "ingest"));

        await h.Runner.StartAsync(CancellationToken.None);
        await h.Runner.ExecuteTask!.WaitAsync(SafetyNet);

        Assert.Empty(h.Store.CreatedTables);
    }

    [Fact]
    public async Task LogsAreStructuredWithFunctionNameAndOccurrence()
    {
        await using var h = new Harness(c => c.AddTimer<ProbeHandler>("Cleanup", "0 */5 * * * *"));
        await h.StartAndWaitUntilIdleAsync();

        await h.AdvanceAndWaitForRunAsync(TimeSpan.FromMinutes(5));
        await h.WaitUntilIdleAsync();

        var started = Assert.Single(h.Logger.Entries, e => e.EventId.Id == 4);
        Assert.Equal("Cleanup", started.Value("FunctionName"));
        Assert.Equal(Start.AddMinutes(5), started.Value("ScheduledFor"));
        Assert.Equal(false, started.Value("IsPastDue"));
        var completed = Assert.Single(h.Logger.Entries, e => e.EventId.Id == 5);
        Assert.Equal("Cleanup", completed.Value("FunctionName"));
    }

    /// <summary>A runner wired to a fake clock, a fake table, a counting scope factory and a probe handler.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        public Harness(Action<FunctionCatalog> declare, DateTimeOffset? start = null)
        {
            Time = new ManualTimeProvider(start ?? Start);
            var catalog = new FunctionCatalog();
            declare(catalog);
            var services = new ServiceCollection();
            services.AddSingleton(Probe);
            services.AddScoped<ProbeHandler>();
            _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
            Scopes = new CountingScopeFactory(_services.GetRequiredService<IServiceScopeFactory>());
            Runner = new TimerRunner(catalog, new FunctionInvoker(Scopes), Time, Store, Logger);
        }

        public ManualTimeProvider Time { get; }

        public StatusTableStore Store { get; } = new();

        public Probe Probe { get; } = new();

        public CountingScopeFactory Scopes { get; }

        public ListLogger<TimerRunner> Logger { get; } = new();

        public TimerRunner Runner { get; }

        public async Task StartAndWaitUntilIdleAsync(int timers = 1)
        {
            await Runner.StartAsync(CancellationToken.None);
            await WaitUntilIdleAsync(timers);
        }

        /// <summary>Waits until the runner is waiting on the fake clock again (one timer per timer function).</summary>
        public Task WaitUntilIdleAsync(int timers = 1) => Time.WaitForPendingTimersAsync(timers).WaitAsync(SafetyNet);

        public async Task<TimerInvocation> AdvanceAndWaitForRunAsync(TimeSpan delta)
        {
            Time.Advance(delta);
            return await Probe.NextRunAsync();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Runner.StopAsync(CancellationToken.None).WaitAsync(SafetyNet);
            }
            finally
            {
                Runner.Dispose();
                await _services.DisposeAsync();
            }
        }
    }

    /// <summary>What the handlers did: each run in order, the handler instances, and how many ran at once.</summary>
    private sealed class Probe
    {
        private readonly Channel<TimerInvocation> _runs = Channel.CreateUnbounded<TimerInvocation>();
        private int _running;
        private int _maxConcurrent;
        private int _disposed;

        public Func<TimerInvocation, CancellationToken, Task> Behavior { get; set; } = (_, _) => Task.CompletedTask;

        public ConcurrentQueue<ProbeHandler> HandlerInstances { get; } = new();

        public int MaxConcurrentRuns => Volatile.Read(ref _maxConcurrent);

        public int HandlersDisposed => Volatile.Read(ref _disposed);

        public bool HasMoreRuns => _runs.Reader.TryPeek(out _);

        public async Task<TimerInvocation> NextRunAsync() => await _runs.Reader.ReadAsync().AsTask().WaitAsync(SafetyNet);

        public async Task RunAsync(ProbeHandler handler, TimerInvocation invocation, CancellationToken cancellationToken)
        {
            HandlerInstances.Enqueue(handler);
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxConcurrent, running);
            try
            {
                _runs.Writer.TryWrite(invocation);
                await Behavior(invocation, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public void OnDisposed() => Interlocked.Increment(ref _disposed);

        private static void InterlockedMax(ref int target, int value)
        {
            for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, current) == current)
                {
                    return;
                }
            }
        }
    }

    private sealed class ProbeHandler(Probe probe) : ITimerFunctionHandler, IDisposable
    {
        public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken) =>
            probe.RunAsync(this, invocation, cancellationToken);

        public void Dispose() => probe.OnDisposed();
    }

    /// <summary>Handlers need no registration, but one whose dependency is missing cannot be built.</summary>
    private sealed class UnregisteredHandler(UnregisteredHandler.MissingDependency dependency) : ITimerFunctionHandler
    {
        public sealed class MissingDependency;

        public MissingDependency Dependency { get; } = dependency;

        public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NoQueueHandler : IQueueFunctionHandler
    {
        public Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class CountingScopeFactory(IServiceScopeFactory inner) : IServiceScopeFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public IServiceScope CreateScope()
        {
            Interlocked.Increment(ref _created);
            return inner.CreateScope();
        }
    }

    /// <summary>
    /// The real in-memory table store (tables must exist, ETags, copies), plus what these tests
    /// need on top: seeding and reading schedule rows, the tables created, and an outage switch.
    /// </summary>
    private sealed class StatusTableStore : ITableStore
    {
        private readonly InMemoryTableStore _inner = new(TimeProvider.System);

        public ConcurrentBag<string> CreatedTables { get; } = [];

        /// <summary>When set, every call fails as Table Storage does when it is unavailable.</summary>
        public bool Failing { get; set; }

        public string Kind => _inner.Kind;

        public TableEntity? Get(string functionName)
        {
            try
            {
                return _inner.GetEntityIfExistsAsync(TimerRunner.TableName, TimerRunner.StatusPartitionKey, functionName).GetAwaiter().GetResult();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null; // no table yet: nothing recorded
            }
        }

        public (DateTimeOffset? Last, DateTimeOffset? Next) Status(string functionName)
        {
            var row = Get(functionName) ?? throw new InvalidOperationException($"No status row for {functionName}.");
            return (row.GetDateTimeOffset("Last"), row.GetDateTimeOffset("Next"));
        }

        public void SeedStatus(string functionName, DateTimeOffset? last, DateTimeOffset next)
        {
            // Seeded rows are what an earlier run of the app left behind: the table exists already.
            _inner.CreateTableIfNotExistsAsync(TimerRunner.TableName).GetAwaiter().GetResult();
            var row = new TableEntity(TimerRunner.StatusPartitionKey, functionName) { ["Last"] = last, ["Next"] = next, ["LastUpdated"] = last ?? next };
            _inner.UpsertAsync(TimerRunner.TableName, row).GetAwaiter().GetResult();
        }

        public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
        {
            ThrowIfFailing();
            CreatedTables.Add(table);
            return _inner.CreateTableIfNotExistsAsync(table, cancellationToken);
        }

        public Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
        {
            ThrowIfFailing();
            return _inner.GetEntityIfExistsAsync(table, partitionKey, rowKey, cancellationToken);
        }

        public Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default)
        {
            ThrowIfFailing();
            return _inner.UpsertAsync(table, entity, mode, cancellationToken);
        }

        public Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default) => Fail<ETag>();

        public Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => Fail<ETag>();

        public Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => Fail<ETag>();

        public Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default) => Fail<bool>();

        public Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default) => Fail<TablePage>();

        public Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default) => Fail<IReadOnlyList<ETag>>();

        /// <summary>The runner only creates, reads and upserts schedule rows; anything else is a change worth a look.</summary>
        private static Task<T> Fail<T>([System.Runtime.CompilerServices.CallerMemberName] string operation = "") =>
            throw new NotSupportedException($"TimerRunner is not expected to call {operation}.");

        private void ThrowIfFailing()
        {
            if (Failing)
            {
                throw new RequestFailedException(503, "The server is busy.", "ServerBusy", null);
            }
        }
    }

    private sealed record LogEntry(LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> State)
    {
        public object? Value(string name) => State.FirstOrDefault(p => p.Key == name).Value;
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            _entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception), exception, [.. values]));
        }
    }
}
