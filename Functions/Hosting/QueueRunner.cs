using Azure;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>
/// Standalone mode's queue trigger, with the Functions host's rules: receive with a lease,
/// delete on success, let a failed message reappear after <see cref="QueueRunnerOptions.VisibilityTimeout"/>,
/// and move it to <c>&lt;queue&gt;-poison</c> once it has been tried <see cref="QueueRunnerOptions.MaxDequeueCount"/>
/// times. At most <see cref="QueueRunnerOptions.BatchSize"/> messages run at once per queue;
/// an idle queue is polled less and less often; stopping waits for handlers in flight.
/// </summary>
public sealed class QueueRunner(
    FunctionCatalog catalog,
    IQueueStore queues,
    FunctionInvoker invoker,
    PoisonMessages poison,
    IOptions<QueueRunnerOptions> options,
    TimeProvider time,
    ILogger<QueueRunner> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(5);
    private readonly QueueRunnerOptions _options = options.Value;

    // Cancelled only when the host's shutdown timeout runs out: until then handlers may finish.
    private readonly CancellationTokenSource _handlersStop = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.QueueFunctions.Select(f => Task.Run(() => PollAsync(f, stoppingToken), CancellationToken.None)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(_handlersStop.Cancel))
        {
            await base.StopAsync(cancellationToken);
        }
        // Out of time: handlers were cancelled. Give them a moment to release their messages
        // before the host disposes the services they use.
        if (ExecuteTask is { IsCompleted: false } running)
        {
            await Task.WhenAny(running, Task.Delay(ReleaseGrace, time));
        }
    }

    public override void Dispose()
    {
        _handlersStop.Dispose();
        base.Dispose();
    }

    private async Task PollAsync(QueueFunction function, CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(_options.BatchSize, _options.BatchSize);
        var inFlight = new HashSet<Task>();
        var idleDelay = MinPollingInterval;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                var taken = 1;
                while (taken < QueueRules.MaxReceiveCount && slots.Wait(0)) taken++;

                IReadOnlyList<QueueMessage> messages;
                try
                {
                    // Not cancelled by shutdown: a receive cut off after the service applied it would
                    // leave its messages hidden for a whole lease with an attempt used up.
                    messages = await queues.ReceiveAsync(function.QueueName, taken, _options.LeaseDuration, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    // Whatever storage throws (a 503, retries exhausted, a time-out), the loop must live on.
                    slots.Release(taken);
                    logger.LogWarning(ex, "Receiving from queue {Queue} failed; retrying", function.QueueName);
                    await DelayAsync(_options.MaxPollingInterval, stoppingToken);
                    continue;
                }

                if (taken > messages.Count) slots.Release(taken - messages.Count);
                if (messages.Count == 0)
                {
                    await DelayAsync(idleDelay, stoppingToken);
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, _options.MaxPollingInterval.Ticks));
                    continue;
                }

                idleDelay = MinPollingInterval;
                foreach (var message in messages)
                {
                    var task = ProcessAndReleaseAsync(function, message, slots);
                    lock (inFlight) inFlight.Add(task);
                    _ = task.ContinueWith(t => { lock (inFlight) inFlight.Remove(t); }, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Task[] pending;
            lock (inFlight) pending = [.. inFlight];
            await Task.WhenAll(pending);
        }
    }

    private async Task ProcessAndReleaseAsync(QueueFunction function, QueueMessage message, SemaphoreSlim slots)
    {
        try
        {
            await ProcessAsync(function, message);
        }
        catch (Exception ex)
        {
            // Storage failed while settling the message: it reappears after its lease and is tried again.
            logger.LogError(ex, "Settling message {MessageId} of {Function} failed", message.MessageId, function.Name);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task ProcessAsync(QueueFunction function, QueueMessage message)
    {
        var ct = _handlersStop.Token;
        if (message.DequeueCount > _options.MaxDequeueCount)
        {
            // Tried too often without ever finishing (a crash or a lost lease): don't try again.
            await poison.MoveAsync(function, message, message.PopReceipt,
                $"Dequeued {message.DequeueCount} times without completing (max {_options.MaxDequeueCount}).", ct);
            logger.LogWarning("Message {MessageId} of {Function} moved to {PoisonQueue} after {DequeueCount} unfinished attempts",
                message.MessageId, function.Name, function.PoisonQueueName, message.DequeueCount);
            return;
        }

        await using var lease = new MessageLease(queues, function.QueueName, message, _options.LeaseDuration, time, logger);
        using var handlerStop = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
        Exception? failure = null;
        try
        {
            var invocation = new QueueInvocation(function.Name, function.QueueName, message.Text, message.MessageId, message.DequeueCount, message.InsertedOn);
            await invoker.InvokeQueueAsync(function, invocation, handlerStop.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shut down mid-handler: release the message at once for the next instance.
            await lease.StopAsync();
            await queues.UpdateVisibilityAsync(function.QueueName, message.MessageId, lease.PopReceipt, TimeSpan.Zero, CancellationToken.None);
            return;
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        await lease.StopAsync();
        if (lease.IsLost)
        {
            // Another receiver has the message now; it settles it. Nothing of ours is valid any more.
            logger.LogWarning("Message {MessageId} of {Function} lost its lease while running; left to its new receiver", message.MessageId, function.Name);
            return;
        }

        if (failure is null)
        {
            try
            {
                await queues.DeleteMessageAsync(function.QueueName, message.MessageId, lease.PopReceipt, CancellationToken.None);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsLostMessageLease(ex))
            {
                logger.LogWarning("Message {MessageId} of {Function} finished after its lease was lost; it may run again", message.MessageId, function.Name);
            }
            return;
        }

        if (message.DequeueCount >= _options.MaxDequeueCount)
        {
            await poison.MoveAsync(function, message, lease.PopReceipt, PoisonMessages.Describe(failure), CancellationToken.None);
            logger.LogError(failure, "Message {MessageId} of {Function} failed attempt {DequeueCount} of {Max}; moved to {PoisonQueue}",
                message.MessageId, function.Name, message.DequeueCount, _options.MaxDequeueCount, function.PoisonQueueName);
        }
        else
        {
            await queues.UpdateVisibilityAsync(function.QueueName, message.MessageId, lease.PopReceipt, _options.VisibilityTimeout, CancellationToken.None);
            logger.LogWarning(failure, "Message {MessageId} of {Function} failed attempt {DequeueCount} of {Max}; retrying in {Delay}",
                message.MessageId, function.Name, message.DequeueCount, _options.MaxDequeueCount, _options.VisibilityTimeout);
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, time, ct);
}
