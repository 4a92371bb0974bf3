using Azure;
using Functions.Storage;

namespace Functions.Hosting;

/// <summary>
/// Keeps a received message hidden while its handler runs by renewing its visibility at half
/// the lease, so a slow handler is not run twice at once. Holds the latest pop receipt. A
/// transient failure is retried every eighth of the lease (the first retry with half of it
/// still left); a lost lease (someone else has the
/// message now) stops renewal and cancels <see cref="Lost"/>, so the handler can stop early.
/// Never throws: settling the message must not depend on renewal.
/// </summary>
internal sealed class MessageLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewal;
    private volatile string _popReceipt;

    public MessageLease(IQueueStore queues, string queue, QueueMessage message, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        _popReceipt = message.PopReceipt;
        _renewal = RenewAsync(queues, queue, message.MessageId, duration, time, logger);
    }

    public string PopReceipt => _popReceipt;

    /// <summary>Cancelled when the lease was lost to another receiver.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _renewal; // RenewAsync handles every exception itself
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task RenewAsync(IQueueStore queues, string queue, string messageId, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        var wait = duration / 2;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                // Not cancelled midway: a renewal that landed but went unread would leave a stale receipt.
                var lease = await queues.UpdateVisibilityAsync(queue, messageId, _popReceipt, duration, CancellationToken.None);
                _popReceipt = lease.PopReceipt;
                wait = duration / 2;
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsLostMessageLease(ex))
            {
                logger.LogWarning("Lost the lease of message {MessageId} on {Queue}; stopping its handler", messageId, queue);
                await _lost.CancelAsync();
                return;
            }
            catch (Exception ex)
            {
                // Storage hiccup: try again soon, while the current lease still holds (half of it is left).
                logger.LogWarning(ex, "Renewing the lease of message {MessageId} on {Queue} failed; will retry", messageId, queue);
                wait = duration / 8;
            }
        }
    }
}
