using System.Text.Json;
using Azure;
using Functions.Storage;

namespace Functions.Conversations.ScheduledReplies;

/// <summary>
/// Scheduled replies and their timers: a delayed message on queue <c>scheduled-replies</c> per
/// reply (chained past the queue's 7-day limit). Every change is optimistic on the row's ETag,
/// so a cancel and the timer's claim never both win.
/// </summary>
public sealed class ScheduledReplyStore(ITableStore tables, IQueueStore queues, TimeProvider time)
{
    public const string Queue = "scheduled-replies";
    private const int MaxAttempts = 12;

    /// <summary>
    /// Stores a new reply (with another id if its id was taken in the same tick); its timer is
    /// queued first, so a stored reply always has one (a timer without a reply does nothing).
    /// </summary>
    public async Task<ScheduledReply> CreateAsync(string tenantId, ScheduledReply reply, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await ScheduleTimerAsync(new ScheduledReplyDue(tenantId, reply.ConversationId, reply.Id), reply.SendAt, cancellationToken);
            try
            {
                await tables.InsertAsync(ScheduledReply.Table, reply.ToEntity(tenantId), cancellationToken);
                return reply;
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsConflict(ex))
            {
                reply = reply with { Id = ScheduledReply.NewId(reply.CreatedAt) };
            }
        }
    }

    /// <summary>A timer message due at <paramref name="due"/> (at most 7 days ahead: an early one sets the next).</summary>
    public Task ScheduleTimerAsync(ScheduledReplyDue work, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var delay = due - time.GetUtcNow();
        var capped = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > QueueRules.MaxVisibility ? QueueRules.MaxVisibility : delay;
        // Kept until handled, however long the queue is backed up: a lost timer is a reply never sent.
        return queues.SendAsync(Queue, JsonSerializer.Serialize(work, JsonSerializerOptions.Web), visibilityDelay: capped,
            timeToLive: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
    }

    public async Task<ScheduledReply?> GetAsync(string tenantId, string conversationId, string replyId, CancellationToken cancellationToken) =>
        ScheduledReply.IsValidId(replyId)
        && await tables.GetEntityIfExistsAsync(ScheduledReply.Table, ScheduledReply.Partition(tenantId, conversationId), replyId, cancellationToken) is { } row
            ? ScheduledReply.FromEntity(row, conversationId)
            : null;

    /// <summary>Replies still waiting in the conversation.</summary>
    public async Task<int> CountPendingAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        (await tables.QueryAllAsync(ScheduledReply.Table, new TableQuery(ScheduledReply.Partition(tenantId, conversationId))
        {
            Filter = TableFilter.Equal("Status", nameof(ScheduledReplyStatus.Scheduled)),
        }, cancellationToken)).Count;

    /// <summary>A page of the conversation's replies, newest first, optionally of one status. A token this store did not give is an <see cref="ArgumentException"/>.</summary>
    public async Task<(IReadOnlyList<ScheduledReply> Replies, string? ContinuationToken)> ListAsync(
        string tenantId, string conversationId, ScheduledReplyStatus? status, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(ScheduledReply.Table, new TableQuery(ScheduledReply.Partition(tenantId, conversationId))
        {
            Top = pageSize,
            Filter = status is { } s ? TableFilter.Equal("Status", s.ToString()) : null,
        }, continuationToken, cancellationToken);
        return (page.Entities.Select(e => ScheduledReply.FromEntity(e, conversationId)).ToList(), page.ContinuationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored reply and writes it if the row did not
    /// change meanwhile (else decides again on the latest). Null from the change writes nothing.
    /// Returns the reply as stored afterwards (null: there is none) and whether this call changed it.
    /// </summary>
    public async Task<(ScheduledReply? Reply, bool Changed)> ChangeAsync(
        string tenantId, string conversationId, string replyId, Func<ScheduledReply, ScheduledReply?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!ScheduledReply.IsValidId(replyId)
                || await tables.GetEntityIfExistsAsync(ScheduledReply.Table, ScheduledReply.Partition(tenantId, conversationId), replyId, cancellationToken) is not { } row)
            {
                return (null, false);
            }
            var reply = ScheduledReply.FromEntity(row, conversationId);
            if (change(reply) is not { } updated)
            {
                return (reply, false);
            }
            try
            {
                await tables.ReplaceAsync(ScheduledReply.Table, updated.ToEntity(tenantId), row.ETag, cancellationToken);
                return (updated, true);
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(ex))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }
}
