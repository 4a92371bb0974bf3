using System.Collections.Concurrent;
using Functions.Hosting;
using Functions.Storage;

namespace Functions.Tests.TestSupport;

/// <summary>What test functions did, for assertions (singleton per app).</summary>
public sealed class TestFunctionLog
{
    public ConcurrentQueue<QueueInvocation> Invocations { get; } = new();
    public ConcurrentQueue<TimerInvocation> TimerRuns { get; } = new();
    public ConcurrentQueue<QueueInvocation> Cancelled { get; } = new();
    public ConcurrentQueue<string> Disposed { get; } = new();
    private int _running;
    private int _maxRunning;

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen) { }
        return new Exit(this);
    }

    private sealed class Exit(TestFunctionLog log) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref log._running);
    }
}

/// <summary>
/// A queue function with a visible, idempotent effect: it counts greetings per name in a table,
/// keyed by message id so a redelivery is not counted twice.
/// </summary>
public sealed class CountGreetingHandler(ITableStore tables, TestFunctionLog log) : IQueueFunctionHandler
{
    public const string Table = "TestGreetings";

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        log.Invocations.Enqueue(invocation);
        await tables.UpsertAsync(Table, new TableEntity("greeting", invocation.MessageId.Length > 0 ? invocation.MessageId : invocation.MessageText)
        {
            ["Name"] = invocation.MessageText,
            ["DequeueCount"] = invocation.DequeueCount,
        }, cancellationToken: cancellationToken);
    }
}

/// <summary>A queue function that always fails, to drive retries and the poison queue.</summary>
public sealed class AlwaysFailingHandler(TestFunctionLog log) : IQueueFunctionHandler
{
    public Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        log.Invocations.Enqueue(invocation);
        throw new InvalidOperationException($"Attempt {invocation.DequeueCount} failed on purpose.");
    }
}

/// <summary>A slow queue function, to observe concurrency limits and graceful shutdown.</summary>
public sealed class SlowHandler(TestFunctionLog log) : IQueueFunctionHandler
{
    public static TimeSpan Duration { get; } = TimeSpan.FromMilliseconds(300);

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        using (log.Enter())
        {
            await Task.Delay(Duration, CancellationToken.None);
        }
        log.Invocations.Enqueue(invocation);
    }
}

public sealed class RecordingTimerHandler(TestFunctionLog log) : ITimerFunctionHandler
{
    public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        log.TimerRuns.Enqueue(invocation);
        return Task.CompletedTask;
    }
}

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; the limit is a safety net, not a timing assertion.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"Timed out after {seconds} s waiting until {because}.");
    }
}

/// <summary>A slow queue function that honours cancellation, to observe lease loss and shutdown.</summary>
public sealed class CancellableSlowHandler(TestFunctionLog log) : IQueueFunctionHandler, IDisposable
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(2.5);

    /// <summary>A message "ms:5000" runs that long instead.</summary>
    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var duration = invocation.MessageText.StartsWith("ms:", StringComparison.Ordinal)
            ? TimeSpan.FromMilliseconds(int.Parse(invocation.MessageText[3..]))
            : Duration;
        using (log.Enter())
        {
            try
            {
                await Task.Delay(duration, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                log.Cancelled.Enqueue(invocation);
                throw;
            }
        }
        log.Invocations.Enqueue(invocation);
    }

    public void Dispose() => log.Disposed.Enqueue(nameof(CancellableSlowHandler));
}
