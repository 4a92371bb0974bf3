namespace Functions.Storage;

/// <summary>
/// Storage Queues as the app uses it. Two implementations: <see cref="InMemory.InMemoryQueueStore"/>
/// and <see cref="AzureStorage.QueueStorageClient"/>; one contract test suite runs against both.
/// Message text is plain text here; on the wire it is Base64 of its UTF-8 bytes, the encoding
/// the Functions host's queue trigger expects (host.json <c>messageEncoding: base64</c>).
/// </summary>
public interface IQueueStore
{
    /// <summary>"in-memory" or "azure".</summary>
    string Kind { get; }

    Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a message, invisible for <paramref name="visibilityDelay"/> (0 to 7 days), kept for
    /// <paramref name="timeToLive"/> (default 7 days; <see cref="Timeout.InfiniteTimeSpan"/>: forever).
    /// </summary>
    Task<SentQueueMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxMessages"/> (1–32) visible messages, each hidden for <paramref name="visibilityTimeout"/> (1 s to 7 days); dequeue counts go up by one.</summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="maxMessages"/> (1–32) visible messages from the front of the queue,
    /// without receiving them: nothing is hidden, dequeue counts stay as they are, and there is
    /// no receipt. Messages that are hidden or delayed are not shown.
    /// </summary>
    Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>Deletes a received message. A stale receipt or a gone message fails (see <see cref="StorageErrorCodes.IsLostMessageLease"/>).</summary>
    Task DeleteMessageAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default);

    /// <summary>Hides a received message for <paramref name="visibilityTimeout"/> (0 to 7 days) from now; returns the new receipt.</summary>
    Task<QueueMessageLease> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Approximate number of messages, invisible ones included.</summary>
    Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken = default);
}
