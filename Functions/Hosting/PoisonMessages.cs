using Azure;
using Functions.Storage;

namespace Functions.Hosting;

/// <summary>
/// The poison queues: moving a message there, and listing, replaying and discarding what is there.
/// <para>
/// <see cref="MoveAsync"/> moves a message that keeps failing to <c>&lt;queue&gt;-poison</c> (its text
/// unchanged, as the Functions host does) and records why in the <c>PoisonMessages</c> table: function,
/// original id, dequeue count, last error and time. Order matters: copy, record, then delete, so a crash
/// in between leaves a duplicate in the poison queue rather than a lost message.
/// </para>
/// <para>
/// Everything else works from the poison queues themselves, because under the Functions host the host
/// moves poison messages and no reason is recorded; a recorded reason is joined in where there is one.
/// Listing and reading peek, so they change nothing but see only the front of a queue
/// (<see cref="PeekLimit"/> visible messages). Replaying and discarding need a message's receipt: they
/// receive from the poison queue under a short lease until they meet the message, and release the
/// others at once. Message text is never logged.
/// </para>
/// </summary>
public sealed class PoisonMessages(IQueueStore queues, ITableStore tables, TimeProvider time, ILogger<PoisonMessages> logger)
{
    public const string Table = "PoisonMessages";

    /// <summary>How many messages a list shows and a read can find: one peek at the front of the poison queue.</summary>
    public const int PeekLimit = QueueRules.MaxReceiveCount;

    /// <summary>How many messages a replay or discard receives, at most, looking for its message.</summary>
    public const int SearchLimit = 8 * QueueRules.MaxReceiveCount;

    /// <summary>How long messages received while searching stay hidden if they cannot be released (a crash).</summary>
    public static readonly TimeSpan SearchLease = TimeSpan.FromSeconds(30);

    private const int MaxErrorLength = 2000;

    // Table Storage allows 15 comparisons in a filter; the partition key is one of them.
    private const int IdsPerQuery = 10;
    private const int ReleaseParallelism = 8;

    public async Task MoveAsync(QueueFunction function, QueueMessage message, string popReceipt, string lastError, CancellationToken cancellationToken)
    {
        var copy = await queues.SendAsync(function.PoisonQueueName, message.Text, timeToLive: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        var failedOn = time.GetUtcNow();
        // Oldest first in RowKey order: the failure time, then the poison copy's id.
        var row = new TableEntity(function.PoisonQueueName, $"{failedOn.UtcTicks:D19}-{copy.MessageId}")
        {
            ["PoisonMessageId"] = copy.MessageId,
            ["FunctionName"] = function.Name,
            ["QueueName"] = function.QueueName,
            ["OriginalMessageId"] = message.MessageId,
            ["DequeueCount"] = message.DequeueCount,
            ["LastError"] = lastError.Length > MaxErrorLength ? lastError[..MaxErrorLength] : lastError,
            ["InsertedOn"] = message.InsertedOn,
            ["FailedOn"] = failedOn,
        };
        await tables.UpsertAsync(Table, row, cancellationToken: cancellationToken);
        await queues.DeleteMessageAsync(function.QueueName, message.MessageId, popReceipt, cancellationToken);
    }

    /// <summary>The recorded reasons for messages in one poison queue, oldest first (rows of messages since removed included).</summary>
    public Task<IReadOnlyList<TableEntity>> ListReasonsAsync(QueueFunction function, CancellationToken cancellationToken) =>
        tables.QueryAllAsync(Table, new TableQuery(function.PoisonQueueName), cancellationToken);

    /// <summary>
    /// How many messages the poison queue holds (approximately, hidden ones included) and the first
    /// <see cref="PeekLimit"/> visible ones, front first, each with its recorded reason if any.
    /// </summary>
    public async Task<PoisonQueueContents> ListAsync(QueueFunction function, CancellationToken cancellationToken)
    {
        var (count, peeked) = await PeekAsync(function, cancellationToken);
        var reasons = await FindReasonsAsync(function, [.. peeked.Select(m => m.MessageId)], cancellationToken);
        return new PoisonQueueContents(count, [.. peeked.Select(m => Describe(m, reasons))]);
    }

    /// <summary>One message with its text, if it is among the first <see cref="PeekLimit"/> visible ones; changes nothing.</summary>
    public async Task<PoisonMessage?> FindAsync(QueueFunction function, string messageId, CancellationToken cancellationToken)
    {
        if (!IsMessageId(messageId))
        {
            return null;
        }
        var (_, peeked) = await PeekAsync(function, cancellationToken);
        if (peeked.FirstOrDefault(m => m.MessageId == messageId) is not { } found)
        {
            return null;
        }
        return Describe(found, await FindReasonsAsync(function, [messageId], cancellationToken));
    }

    /// <summary>
    /// Puts the message's text back on the function's queue as a new message, then removes it from
    /// the poison queue and its reason from the table. A crash in between leaves it in both queues,
    /// never in neither; handlers are idempotent.
    /// </summary>
    public async Task<PoisonMessageResult> ReplayAsync(QueueFunction function, string messageId, CancellationToken cancellationToken)
    {
        var (message, outcome) = await LeaseAsync(function, messageId, cancellationToken);
        if (message is null)
        {
            return new PoisonMessageResult(outcome);
        }
        SentQueueMessage sent;
        try
        {
            sent = await queues.SendAsync(function.QueueName, message.Text, cancellationToken: cancellationToken);
        }
        catch
        {
            await ReleaseAsync(function.PoisonQueueName, [message]);
            throw;
        }
        // The message is safe on its queue now: finish even if the caller has gone.
        if (!await RemoveAsync(function, message))
        {
            logger.LogWarning("Poison message {MessageId} of {Function} was replayed as {NewMessageId} but its lease ran out before it could be removed from {PoisonQueue}",
                message.MessageId, function.Name, sent.MessageId, function.PoisonQueueName);
            return new PoisonMessageResult(PoisonMessageOutcome.LeaseLost, sent.MessageId);
        }
        logger.LogInformation("Poison message {MessageId} of {Function} replayed to {Queue} as {NewMessageId}",
            message.MessageId, function.Name, function.QueueName, sent.MessageId);
        return new PoisonMessageResult(PoisonMessageOutcome.Done, sent.MessageId);
    }

    /// <summary>Deletes the message from the poison queue and its reason from the table, for good.</summary>
    public async Task<PoisonMessageResult> DiscardAsync(QueueFunction function, string messageId, CancellationToken cancellationToken)
    {
        var (message, outcome) = await LeaseAsync(function, messageId, cancellationToken);
        if (message is null)
        {
            return new PoisonMessageResult(outcome);
        }
        if (!await RemoveAsync(function, message))
        {
            return new PoisonMessageResult(PoisonMessageOutcome.LeaseLost);
        }
        logger.LogInformation("Poison message {MessageId} of {Function} discarded from {PoisonQueue}", message.MessageId, function.Name, function.PoisonQueueName);
        return new PoisonMessageResult(PoisonMessageOutcome.Done);
    }

    /// <summary>Describes a failure without message contents: exception types and messages, innermost last.</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().FullName}: {e.Message}");
        }
        return string.Join(" ---> ", parts);
    }

    private async Task<(int Count, IReadOnlyList<PeekedQueueMessage> Peeked)> PeekAsync(QueueFunction function, CancellationToken cancellationToken)
    {
        var count = await queues.GetApproximateMessageCountAsync(function.PoisonQueueName, cancellationToken);
        return (count, count == 0 ? [] : await queues.PeekAsync(function.PoisonQueueName, PeekLimit, cancellationToken));
    }

    /// <summary>
    /// The message, received under <see cref="SearchLease"/>; every other message received on the way is
    /// released at once. Null (with why) when it is not there, or is hidden (another request holds it).
    /// </summary>
    private async Task<(QueueMessage? Message, PoisonMessageOutcome Outcome)> LeaseAsync(QueueFunction function, string messageId, CancellationToken cancellationToken)
    {
        if (!IsMessageId(messageId))
        {
            return (null, PoisonMessageOutcome.NotFound);
        }
        // A peek changes nothing: when it saw the whole queue and not the message, there is no need to receive.
        var (count, peeked) = await PeekAsync(function, cancellationToken);
        if (count <= peeked.Count && peeked.All(m => m.MessageId != messageId))
        {
            return (null, PoisonMessageOutcome.NotFound);
        }

        var passedOver = new List<QueueMessage>();
        QueueMessage? match = null;
        var emptied = false;
        try
        {
            while (match is null && !emptied && passedOver.Count < SearchLimit)
            {
                var batch = await queues.ReceiveAsync(function.PoisonQueueName, QueueRules.MaxReceiveCount, SearchLease, cancellationToken);
                emptied = batch.Count == 0;
                foreach (var message in batch)
                {
                    if (match is null && message.MessageId == messageId) match = message;
                    else passedOver.Add(message);
                }
            }
        }
        finally
        {
            await ReleaseAsync(function.PoisonQueueName, passedOver);
        }
        var outcome = match is not null ? PoisonMessageOutcome.Done
            : emptied ? PoisonMessageOutcome.NotFound
            : PoisonMessageOutcome.SearchLimitReached;
        return (match, outcome);
    }

    /// <summary>Makes received messages visible again right away; one that cannot be reappears when its lease ends.</summary>
    private async Task ReleaseAsync(string poisonQueue, IReadOnlyList<QueueMessage> messages)
    {
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = ReleaseParallelism }, async (message, _) =>
        {
            try
            {
                await queues.UpdateVisibilityAsync(poisonQueue, message.MessageId, message.PopReceipt, TimeSpan.Zero, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Poison message {MessageId} in {PoisonQueue} could not be released; it reappears within {Lease}",
                    message.MessageId, poisonQueue, SearchLease);
            }
        });
    }

    /// <summary>Deletes a leased message and then its reason; false (nothing deleted) if the lease ran out first.</summary>
    private async Task<bool> RemoveAsync(QueueFunction function, QueueMessage message)
    {
        try
        {
            await queues.DeleteMessageAsync(function.PoisonQueueName, message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsLostMessageLease(ex))
        {
            return false;
        }
        foreach (var row in await QueryReasonsAsync(function, [message.MessageId], CancellationToken.None))
        {
            try
            {
                await tables.DeleteAsync(Table, row.PartitionKey, row.RowKey, ETag.All, CancellationToken.None);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
            {
                // Removed meanwhile: fine.
            }
        }
        return true;
    }

    private async Task<Dictionary<string, TableEntity>> FindReasonsAsync(QueueFunction function, IReadOnlyList<string> messageIds, CancellationToken cancellationToken)
    {
        var reasons = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        // RowKey order is failure order: the latest row for an id wins (there is normally one).
        foreach (var row in await QueryReasonsAsync(function, messageIds, cancellationToken))
        {
            reasons[row.GetString("PoisonMessageId")!] = row;
        }
        return reasons;
    }

    private async Task<IReadOnlyList<TableEntity>> QueryReasonsAsync(QueueFunction function, IReadOnlyList<string> messageIds, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        foreach (var ids in messageIds.Chunk(IdsPerQuery))
        {
            var filter = ids.Select(id => TableFilter.Equal("PoisonMessageId", id)).Aggregate((a, b) => a | b);
            rows.AddRange(await tables.QueryAllAsync(Table, new TableQuery(function.PoisonQueueName) { Filter = filter }, cancellationToken));
        }
        rows.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        return rows;
    }

    private static PoisonMessage Describe(PeekedQueueMessage message, Dictionary<string, TableEntity> reasons) =>
        new(message.MessageId, message.Text, message.InsertedOn,
            reasons.TryGetValue(message.MessageId, out var row)
                ? new PoisonReason(
                    row.GetString("FunctionName") ?? "",
                    row.GetString("OriginalMessageId"),
                    row.GetInt64("DequeueCount"),
                    row.GetDateTimeOffset("FailedOn"),
                    row.GetString("LastError") ?? "")
                : null);

    // Queue message ids are GUIDs; anything else is not there, and storage need not be asked.
    private static bool IsMessageId(string messageId) => Guid.TryParse(messageId, out _);
}

/// <summary>A poison queue's approximate size (hidden messages included) and the messages at its front.</summary>
public sealed record PoisonQueueContents(int Count, IReadOnlyList<PoisonMessage> Messages);

/// <summary>A message in a poison queue: its id there, its text, when it arrived there, and why, when this app recorded it.</summary>
public sealed record PoisonMessage(string Id, string Text, DateTimeOffset InsertedOn, PoisonReason? Reason);

/// <summary>Why a message was poisoned, as recorded by the standalone runner (the Functions host records nothing).</summary>
public sealed record PoisonReason(string FunctionName, string? OriginalMessageId, long? DequeueCount, DateTimeOffset? FailedOn, string LastError);

public enum PoisonMessageOutcome
{
    Done,

    /// <summary>Not in the poison queue, or hidden because another request holds it right now.</summary>
    NotFound,

    /// <summary>Not among the first <see cref="PoisonMessages.SearchLimit"/> messages received.</summary>
    SearchLimitReached,

    /// <summary>The lease ran out before the message could be deleted: it is still in the poison queue.</summary>
    LeaseLost,
}

/// <summary>What a replay or discard did; <see cref="ReplayedMessageId"/> is the new message's id on the function's queue.</summary>
public sealed record PoisonMessageResult(PoisonMessageOutcome Outcome, string? ReplayedMessageId = null);
