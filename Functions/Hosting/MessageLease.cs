using Azure;
using Functions.Storage;

namespace Functions.Hosting;

/// <summary>
/// Keeps a received message hidden while its handler runs by renewing its visibility at half
/// the lease, so a slow handler is not run twice at once. Holds the latest pop receipt.
/// </summary>
internal sealed class MessageLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private volatile string _popReceipt;

    public MessageLease(IQueueStore queues, string queue, QueueMessage message, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        _popReceipt = message.PopReceipt;
        _renewal = RenewAsync(queues, queue, message.MessageId, duration, time, logger);
    }

    public string PopReceipt => _popReceipt;

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _renewal;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RenewAsync(IQueueStore queues, string queue, string messageId, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        try
        {
            while (true)
            {
                await Task.Delay(duration / 2, time, _stop.Token);
                // Not cancelled midway: a renewal that landed but went unread would leave a stale receipt.
                var lease = await queues.UpdateVisibilityAsync(queue, messageId, _popReceipt, duration, CancellationToken.None);
                _popReceipt = lease.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException ex)
        {
            logger.LogWarning(ex, "Renewing the lease of message {MessageId} on {Queue} failed", messageId, queue);
        }
    }
}
