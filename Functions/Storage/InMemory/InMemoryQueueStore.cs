using System.Collections.Concurrent;

namespace Functions.Storage.InMemory;

/// <summary>
/// Storage Queues in process memory, with the service's semantics: delayed messages stay
/// invisible until due, a receive hides a message for its visibility timeout and raises its
/// dequeue count, a pop receipt is valid until the message is received or updated again, and
/// expired messages vanish. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class InMemoryQueueStore(TimeProvider time) : IQueueStore
{
    private readonly ConcurrentDictionary<string, MemoryQueue> _queues = new(StringComparer.Ordinal);

    public string Kind => "in-memory";

    public Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        _queues.TryAdd(queue, new MemoryQueue());
        return Task.CompletedTask;
    }

    public Task<SentQueueMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateMessage(text);
        QueueRules.ValidateSend(visibilityDelay, timeToLive);
        var q = GetQueue(queue);
        var now = time.GetUtcNow();
        var ttl = timeToLive ?? QueueRules.DefaultTimeToLive;
        var message = new StoredMessage(Guid.NewGuid().ToString(), text, now,
            ttl == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : now + ttl)
        {
            NextVisibleOn = now + (visibilityDelay ?? TimeSpan.Zero),
            PopReceipt = NewReceipt(),
        };
        lock (q)
        {
            q.Add(message);
        }
        return Task.FromResult(new SentQueueMessage(message.Id, message.PopReceipt, message.InsertedOn, message.ExpiresOn, message.NextVisibleOn));
    }

    public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateReceive(maxMessages, visibilityTimeout);
        var q = GetQueue(queue);
        var now = time.GetUtcNow();
        var received = new List<QueueMessage>();
        lock (q)
        {
            while (received.Count < maxMessages && q.TryTakeVisible(now, out var m))
            {
                m.DequeueCount++;
                m.NextVisibleOn = now + visibilityTimeout;
                m.PopReceipt = NewReceipt();
                q.Schedule(m);
                received.Add(new QueueMessage(m.Id, m.PopReceipt, m.Text, m.DequeueCount, m.InsertedOn, m.ExpiresOn, m.NextVisibleOn));
            }
        }
        return Task.FromResult<IReadOnlyList<QueueMessage>>(received);
    }

    public Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidatePeek(maxMessages);
        var q = GetQueue(queue);
        var now = time.GetUtcNow();
        lock (q)
        {
            return Task.FromResult<IReadOnlyList<PeekedQueueMessage>>([.. q.PeekVisible(now, maxMessages)
                .Select(m => new PeekedQueueMessage(m.Id, m.Text, m.DequeueCount, m.InsertedOn, m.ExpiresOn))]);
        }
    }

    public Task DeleteMessageAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var q = GetQueue(queue);
        lock (q)
        {
            q.Remove(FindLeased(q, messageId, popReceipt));
        }
        return Task.CompletedTask;
    }

    public Task<QueueMessageLease> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        QueueRules.ValidateVisibilityUpdate(visibilityTimeout);
        var q = GetQueue(queue);
        lock (q)
        {
            var m = FindLeased(q, messageId, popReceipt);
            m.NextVisibleOn = time.GetUtcNow() + visibilityTimeout;
            m.PopReceipt = NewReceipt();
            q.Schedule(m);
            return Task.FromResult(new QueueMessageLease(m.PopReceipt, m.NextVisibleOn));
        }
    }

    public Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        var q = GetQueue(queue);
        lock (q)
        {
            return Task.FromResult(q.Count);
        }
    }

    private StoredMessage FindLeased(MemoryQueue q, string messageId, string popReceipt)
    {
        // As the service: a message that is gone, expired or re-received since is "not found".
        if (!q.Messages.TryGetValue(messageId, out var m) || m.ExpiresOn <= time.GetUtcNow() || m.PopReceipt != popReceipt)
        {
            throw new Azure.RequestFailedException(404, "The specified message does not exist.", StorageErrorCodes.MessageNotFound, null);
        }
        return m;
    }

    private MemoryQueue GetQueue(string queue)
    {
        QueueRules.ValidateQueueName(queue);
        return _queues.TryGetValue(queue, out var q)
            ? q
            : throw new Azure.RequestFailedException(404, $"The queue '{queue}' does not exist.", StorageErrorCodes.QueueNotFound, null);
    }

    private static string NewReceipt() => Guid.NewGuid().ToString("N");

    private sealed class StoredMessage(string id, string text, DateTimeOffset insertedOn, DateTimeOffset expiresOn)
    {
        public string Id { get; } = id;
        public string Text { get; } = text;
        public DateTimeOffset InsertedOn { get; } = insertedOn;
        public DateTimeOffset ExpiresOn { get; } = expiresOn;
        public DateTimeOffset NextVisibleOn { get; set; }
        public string PopReceipt { get; set; } = "";
        public long DequeueCount { get; set; }

        /// <summary>Bumped whenever the message is rescheduled, so older heap entries are skipped.</summary>
        public long Version { get; set; }
    }

    /// <summary>
    /// Messages by id, plus a heap ordered by visibility time (then send order), so a receive
    /// finds the next visible message without scanning delayed ones. Rescheduling pushes a new
    /// heap entry; entries whose version no longer matches are dropped when they surface.
    /// </summary>
    private sealed class MemoryQueue
    {
        private readonly PriorityQueue<(StoredMessage Message, long Version), (DateTimeOffset VisibleOn, long Sequence)> _byVisibility = new();
        private long _sequence;

        public Dictionary<string, StoredMessage> Messages { get; } = new(StringComparer.Ordinal);

        public int Count => Messages.Count;

        public void Add(StoredMessage m)
        {
            Messages.Add(m.Id, m);
            Schedule(m);
        }

        public void Schedule(StoredMessage m)
        {
            m.Version++;
            _byVisibility.Enqueue((m, m.Version), (m.NextVisibleOn, _sequence++));
        }

        public void Remove(StoredMessage m)
        {
            Messages.Remove(m.Id);
            m.Version++; // its heap entry is now stale
        }

        /// <summary>The visible messages a receive would take next, in that order, leaving everything as it is.</summary>
        public IEnumerable<StoredMessage> PeekVisible(DateTimeOffset now, int maxMessages) =>
            _byVisibility.UnorderedItems
                .Where(e => e.Element.Version == e.Element.Message.Version && Messages.ContainsKey(e.Element.Message.Id)
                    && e.Element.Message.ExpiresOn > now && e.Priority.VisibleOn <= now)
                .OrderBy(e => e.Priority.VisibleOn).ThenBy(e => e.Priority.Sequence)
                .Take(maxMessages)
                .Select(e => e.Element.Message)
                .ToList();

        public bool TryTakeVisible(DateTimeOffset now, out StoredMessage message)
        {
            while (_byVisibility.TryPeek(out var entry, out var priority))
            {
                var (m, version) = entry;
                if (version != m.Version || !Messages.ContainsKey(m.Id))
                {
                    _byVisibility.Dequeue();
                    continue;
                }
                if (m.ExpiresOn <= now)
                {
                    _byVisibility.Dequeue();
                    Remove(m);
                    continue;
                }
                if (priority.VisibleOn > now)
                {
                    break;
                }
                _byVisibility.Dequeue();
                message = m;
                return true;
            }
            message = null!;
            return false;
        }
    }
}
