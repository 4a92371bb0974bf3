using System.Collections.Concurrent;
using Functions.Storage;

namespace Functions.Tests.TestSupport;

/// <summary>
/// A real queue store with scripted failures in front of it: each queued exception is thrown by
/// the next call of that kind, then calls go through again. For storage outages, lost leases and
/// crashes midway (a failing send or delete).
/// </summary>
public sealed class ScriptedQueueStore(IQueueStore inner) : IQueueStore
{
    public ConcurrentQueue<Exception> ReceiveFailures { get; } = new();
    public ConcurrentQueue<Exception> VisibilityFailures { get; } = new();
    public ConcurrentQueue<Exception> SendFailures { get; } = new();
    public ConcurrentQueue<Exception> DeleteFailures { get; } = new();
    private int _receives;
    private int _visibilityUpdates;

    public int Receives => Volatile.Read(ref _receives);
    public int VisibilityUpdates => Volatile.Read(ref _visibilityUpdates);

    public string Kind => inner.Kind;

    public Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default) =>
        inner.CreateQueueIfNotExistsAsync(queue, cancellationToken);

    public Task<SentQueueMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        SendFailures.TryDequeue(out var failure) ? throw failure : inner.SendAsync(queue, text, visibilityDelay, timeToLive, cancellationToken);

    public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _receives);
        return ReceiveFailures.TryDequeue(out var failure) ? throw failure : inner.ReceiveAsync(queue, maxMessages, visibilityTimeout, cancellationToken);
    }

    public Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default) =>
        inner.PeekAsync(queue, maxMessages, cancellationToken);

    public Task DeleteMessageAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default) =>
        DeleteFailures.TryDequeue(out var failure) ? throw failure : inner.DeleteMessageAsync(queue, messageId, popReceipt, cancellationToken);

    public Task<QueueMessageLease> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _visibilityUpdates);
        return VisibilityFailures.TryDequeue(out var failure) ? throw failure : inner.UpdateVisibilityAsync(queue, messageId, popReceipt, visibilityTimeout, cancellationToken);
    }

    public Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken = default) =>
        inner.GetApproximateMessageCountAsync(queue, cancellationToken);
}
