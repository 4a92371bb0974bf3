using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Functions.Channels;
using Functions.Conversations;
using Functions.Events;
using Functions.Storage;

namespace Functions.Outbound;

/// <summary>
/// The queue message that asks for one message to be sent: which attempt, not before when
/// (pacing), and a token of its own, so a work item that comes back (the queue redelivers the
/// same text) knows an attempt it claimed from one another work item claimed.
/// </summary>
public sealed record SendWork(string Tenant, string MessageId, int Attempt, string Token, DateTimeOffset? NotBefore = null)
{
    public static SendWork For(string tenant, string messageId, int attempt) => new(tenant, messageId, attempt, Guid.NewGuid().ToString("N"));
}

/// <summary>Where a message's row is: its conversation (the partition) and its RowKey.</summary>
public sealed record MessageLocation(string ConversationId, string RowKey);

/// <summary>A stored message with the ETag to change it by.</summary>
public sealed record StoredMessage(ConversationMessage Message, ETag ETag);

/// <summary>
/// The outcome of accepting a send: the message, and whether it was accepted before under the
/// same Idempotency-Key (then nothing new happened). <see cref="KeyReusedDifferently"/> when the
/// key came with a different request.
/// </summary>
public sealed record Accepted(ConversationMessage? Message, bool Replayed, bool KeyReusedDifferently = false);

/// <summary>
/// Outbound messages: accepting them (stored as queued, then queued for sending), finding them by
/// our id or the provider's, and applying status callbacks. Index rows live in table
/// <c>MessageIndex</c>, PartitionKey = tenant: <c>m:&lt;id&gt;</c> (our id), <c>p:&lt;provider&gt;:&lt;hash&gt;</c>
/// (the provider's id) and <c>k:&lt;hash&gt;</c> (an Idempotency-Key: the message it made and a hash of the request).
/// </summary>
public sealed class OutboundMessages(ITableStore tables, IQueueStore queues, ConversationStore conversations, MessageTrace trace, TenantEvents events, TimeProvider time)
{
    public const string Queue = "outbound-messages";
    public const string IndexTable = ConversationMessage.IndexTable;
    private const int MaxAttempts = 12;

    /// <summary>How long a claimed Idempotency-Key counts as a request still at work, before a repeat finishes it.</summary>
    public static readonly TimeSpan InProgressFor = TimeSpan.FromSeconds(30);

    private static string KeyRowKey(string idempotencyKey) => "k:" + Hash(idempotencyKey);

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>
    /// What an Idempotency-Key already made: the message (null if it was claimed but never
    /// written, say after a crash: then the caller accepts again with the claimed id), or nothing.
    /// </summary>
    public async Task<(MessageLocation Location, string MessageId, string RequestHash, DateTimeOffset ClaimedOn, ConversationMessage? Message)?> FindByKeyAsync(
        string tenantId, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (await tables.GetEntityIfExistsAsync(IndexTable, tenantId, KeyRowKey(idempotencyKey), cancellationToken) is not { } row)
        {
            return null;
        }
        var location = new MessageLocation(row.GetString("ConversationId") ?? "", row.GetString("MessageRowKey") ?? "");
        var messageId = row.GetString("MessageId") ?? "";
        var message = await tables.GetEntityIfExistsAsync(ConversationMessage.Table, ConversationMessage.Partition(tenantId, location.ConversationId), location.RowKey, cancellationToken);
        return (location, messageId, row.GetString("RequestHash") ?? "", row.GetDateTimeOffset("ClaimedOn") ?? DateTimeOffset.MinValue,
            message is null ? null : ConversationMessage.FromEntity(message));
    }

    /// <summary>
    /// Stores <paramref name="message"/> as queued and queues it for sending. With an
    /// Idempotency-Key the key is claimed first, so the same key never makes two messages: a
    /// request that finds it claimed gets that message back. Each step is safe to repeat, so a
    /// request retried with the same key after a failure half way completes the same message.
    /// </summary>
    public async Task<Accepted> AcceptAsync(string tenantId, ConversationMessage message, string? idempotencyKey, string requestHash, CancellationToken cancellationToken)
    {
        var location = new MessageLocation(message.ConversationId, message.RowKey);
        if (idempotencyKey is not null)
        {
            var claim = new TableEntity(tenantId, KeyRowKey(idempotencyKey))
            {
                ["MessageId"] = message.Id,
                ["ConversationId"] = location.ConversationId,
                ["MessageRowKey"] = location.RowKey,
                ["RequestHash"] = requestHash,
                ["ClaimedOn"] = time.GetUtcNow(),
            };
            try
            {
                await tables.InsertAsync(IndexTable, claim, cancellationToken);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
            {
                // The same key at the same moment: the other request made the message.
                return await TryReplayAsync(tenantId, idempotencyKey, message, requestHash, cancellationToken) ?? new Accepted(null, Replayed: true);
            }
        }
        await CompleteAsync(tenantId, message, cancellationToken);
        return new Accepted(message, Replayed: false);
    }

    /// <summary>
    /// A text from the business itself (a confirmation, say) into a conversation, sent once per
    /// key. The key is kept apart from API callers' keys (they cannot contain a space).
    /// </summary>
    public Task<Accepted> SendTextAsync(string tenantId, string conversationId, string text, string internalKey, CancellationToken cancellationToken)
    {
        var idempotencyKey = "internal " + internalKey;
        var now = time.GetUtcNow();
        var message = new ConversationMessage(ConversationMessage.NewId(now), conversationId, MessageDirection.Outbound, MessageKind.Text, now, DeliveryStatus.Queued)
        {
            Text = text,
            Purpose = SendRules.Service,
        };
        return AcceptOrReplayAsync(tenantId, message, idempotencyKey, Hash(conversationId + "\n" + text), cancellationToken);
    }

    private async Task<Accepted> AcceptOrReplayAsync(string tenantId, ConversationMessage message, string idempotencyKey, string requestHash, CancellationToken cancellationToken) =>
        await TryReplayAsync(tenantId, idempotencyKey, message, requestHash, cancellationToken)
            ?? await AcceptAsync(tenantId, message, idempotencyKey, requestHash, cancellationToken);

    /// <summary>What a repeated Idempotency-Key gets: the message it made (finished if a crash left it half done); null for a new key.</summary>
    public async Task<Accepted?> TryReplayAsync(string tenantId, string idempotencyKey, ConversationMessage request, string requestHash, CancellationToken cancellationToken)
    {
        if (await FindByKeyAsync(tenantId, idempotencyKey, cancellationToken) is not { } claimed)
        {
            return null; // a new key
        }
        if (claimed.RequestHash != requestHash)
        {
            return new Accepted(claimed.Message, Replayed: true, KeyReusedDifferently: true);
        }
        if (claimed.Message is null || !await trace.HasAsync(tenantId, claimed.MessageId, TraceKeys.Queued, cancellationToken))
        {
            if (time.GetUtcNow() - claimed.ClaimedOn < InProgressFor)
            {
                // The first request is most likely still at work: let it finish; do not queue a second time.
                return new Accepted(claimed.Message, Replayed: true);
            }
            // The first request stopped half way: finish the message it claimed, with its id.
            var message = claimed.Message ?? request with
            {
                Id = claimed.MessageId,
                ConversationId = claimed.Location.ConversationId,
                At = RowKeyTime(claimed.Location.RowKey) ?? request.At,
            };
            await CompleteAsync(tenantId, message, cancellationToken);
            return new Accepted(message, Replayed: true);
        }
        return new Accepted(claimed.Message, Replayed: true);
    }

    /// <summary>Writes the message, its index and trace, updates the conversation and queues the send; each step repeatable.</summary>
    private async Task CompleteAsync(string tenantId, ConversationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await tables.InsertAsync(ConversationMessage.Table, message.ToEntity(tenantId), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            // Written by the request this one repeats.
        }
        await tables.UpsertAsync(IndexTable, message.ToIndexEntity(tenantId), cancellationToken: cancellationToken);
        await trace.RecordAsync(tenantId, message.Id, TraceKeys.Accepted,
            new TraceEntry(message.At, TraceEntry.Steps.Accepted, $"A {Describe(message)} in conversation {message.ConversationId}."), cancellationToken);
        await conversations.RecordOutboundAsync(tenantId, message, cancellationToken);
        await EnqueueAsync(SendWork.For(tenantId, message.Id, attempt: 1), TimeSpan.Zero, cancellationToken);
        await trace.RecordAsync(tenantId, message.Id, TraceKeys.Queued,
            new TraceEntry(time.GetUtcNow(), TraceEntry.Steps.Queued, "Queued for sending."), cancellationToken);
    }

    public Task EnqueueAsync(SendWork work, TimeSpan delay, CancellationToken cancellationToken) =>
        queues.SendAsync(Queue, JsonSerializer.Serialize(work, JsonSerializerOptions.Web),
            visibilityDelay: delay <= TimeSpan.Zero ? null : delay > QueueRules.MaxVisibility ? QueueRules.MaxVisibility : delay,
            cancellationToken: cancellationToken);

    public async Task<MessageLocation?> LocateAsync(string tenantId, string messageId, CancellationToken cancellationToken) =>
        ConversationMessage.IsValidId(messageId)
        && await tables.GetEntityIfExistsAsync(IndexTable, tenantId, ConversationMessage.IndexRowKey(messageId), cancellationToken) is { } row
            ? new MessageLocation(row.GetString("ConversationId") ?? "", row.GetString("MessageRowKey") ?? "")
            : null;

    public async Task<StoredMessage?> FindAsync(string tenantId, string messageId, CancellationToken cancellationToken) =>
        await LocateAsync(tenantId, messageId, cancellationToken) is { } location ? await ReadAsync(tenantId, location, cancellationToken) : null;

    private async Task<StoredMessage?> ReadAsync(string tenantId, MessageLocation location, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(ConversationMessage.Table, ConversationMessage.Partition(tenantId, location.ConversationId), location.RowKey, cancellationToken) is { } row
            ? new StoredMessage(ConversationMessage.FromEntity(row), row.ETag)
            : null;

    /// <summary>
    /// Applies <paramref name="change"/> to the stored message and writes it (optimistically, again
    /// on a concurrent change such as a status callback). Null from the change writes nothing.
    /// Returns the message as stored afterwards and whether this call changed it.
    /// </summary>
    public async Task<(ConversationMessage? Message, bool Changed)> UpdateAsync(
        string tenantId, string messageId, Func<ConversationMessage, ConversationMessage?> change, CancellationToken cancellationToken)
    {
        if (await LocateAsync(tenantId, messageId, cancellationToken) is not { } location)
        {
            return (null, false);
        }
        return await UpdateAtAsync(tenantId, location, change, cancellationToken);
    }

    /// <summary>The same, for a message whose row is known (no index lookup).</summary>
    public async Task<(ConversationMessage? Message, bool Changed)> UpdateAtAsync(
        string tenantId, MessageLocation location, Func<ConversationMessage, ConversationMessage?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadAsync(tenantId, location, cancellationToken) is not { } stored)
            {
                return (null, false);
            }
            if (change(stored.Message) is not { } updated || updated == stored.Message)
            {
                return (stored.Message, false);
            }
            try
            {
                await tables.ReplaceAsync(ConversationMessage.Table, updated.ToEntity(tenantId), stored.ETag, cancellationToken);
                return (updated, true);
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(ex))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>Remembers the provider's id for a message, so its status callbacks find it.</summary>
    public Task IndexProviderIdAsync(string tenantId, string provider, string providerMessageId, MessageLocation location, string messageId, CancellationToken cancellationToken) =>
        tables.UpsertAsync(IndexTable, new TableEntity(tenantId, ConversationStore.ProviderIndexRowKey(provider, providerMessageId))
        {
            ["MessageId"] = messageId,
            ["ConversationId"] = location.ConversationId,
            ["MessageRowKey"] = location.RowKey,
        }, cancellationToken: cancellationToken);

    /// <summary>
    /// Applies a provider's status callback: found by our id when the provider echoes it (Meta's
    /// callback data, our Twilio callback URL, the sandbox), else by the provider's id. Statuses
    /// only move forward; a callback for a message whose send outcome was unknown settles it.
    /// Null when the message is not ours (sent from elsewhere on the same number).
    /// </summary>
    public async Task<ConversationMessage?> ApplyStatusAsync(string tenantId, MessageStatusEvent status, CancellationToken cancellationToken)
    {
        string? messageId = null;
        MessageLocation? location = null;
        if (ConversationMessage.IsValidId(status.ClientReference) && await LocateAsync(tenantId, status.ClientReference!, cancellationToken) is { } byOurId)
        {
            (messageId, location) = (status.ClientReference, byOurId);
        }
        else if (await tables.GetEntityIfExistsAsync(IndexTable, tenantId, ConversationStore.ProviderIndexRowKey(status.Provider, status.ProviderMessageId), cancellationToken) is { } row)
        {
            (messageId, location) = (row.GetString("MessageId"), new MessageLocation(row.GetString("ConversationId") ?? "", row.GetString("MessageRowKey") ?? ""));
        }
        if (messageId is null || location is null)
        {
            return null;
        }

        var learnedProviderId = false;
        var (message, _) = await UpdateAtAsync(tenantId, location, m =>
        {
            if (m.Direction != MessageDirection.Outbound)
            {
                return null; // statuses are for what we sent
            }
            learnedProviderId = m.ProviderMessageId is null;
            return m.WithStatus(status.Status, status.Timestamp, status.Error) with
            {
                OutcomeUnknown = false,
                Provider = m.Provider ?? status.Provider,
                ProviderMessageId = m.ProviderMessageId ?? status.ProviderMessageId,
            };
        }, cancellationToken);
        if (message is null || message.Direction != MessageDirection.Outbound)
        {
            return null;
        }
        if (learnedProviderId)
        {
            await IndexProviderIdAsync(tenantId, status.Provider, status.ProviderMessageId, location, messageId, cancellationToken);
        }
        var detail = status.Error is { } error
            ? $"{status.Provider} reported {status.Status.ToString().ToLowerInvariant()}: {error.Reason} ({error.Code}) {error.Message}"
            : $"{status.Provider} reported {status.Status.ToString().ToLowerInvariant()}.";
        await trace.RecordAsync(tenantId, messageId, TraceKeys.Status(status),
            new TraceEntry(status.Timestamp, TraceEntry.Steps.StatusCallback, detail) { Status = status.Status, ProviderCode = status.Error?.Code }, cancellationToken);
        if (message.Status == status.Status)
        {
            // The status moved to this one (now, or on an earlier try of this callback: the event id
            // follows from the message and status, so a retry publishes the same event, delivered once).
            await events.PublishAsync(tenantId, EventTypes.MessageStatus,
                new MessageStatusData(message.ConversationId, messageId, message.Status, status.Timestamp, message.Error, MessageView.Of(message)),
                idempotencyKey: $"{messageId}:{message.Status}", cancellationToken);
        }
        return message;
    }

    internal static string Describe(ConversationMessage message) =>
        message.Kind == MessageKind.Template && message.Template is { } template
            ? $"template '{template.Name ?? template.ContentSid}' ({template.Language})"
            : $"{message.Kind.ToString().ToLowerInvariant()} message";

    private static DateTimeOffset? RowKeyTime(string rowKey) =>
        rowKey.Length > 19 && long.TryParse(rowKey.AsSpan(0, 19), out var inverted)
            ? new DateTimeOffset(DateTimeOffset.MaxValue.UtcTicks - inverted, TimeSpan.Zero)
            : null;
}

/// <summary>The trace's row keys: one per step, so a repeated step rewrites its row.</summary>
public static class TraceKeys
{
    public const string Accepted = "0-accepted";
    public const string Queued = "1-queued";

    public static string Attempt(int attempt, string step) => $"a{attempt:D2}-{step}";

    public static string Deferred(DateTimeOffset until) => $"d-{until.UtcTicks:D19}";

    public static string Status(MessageStatusEvent status) =>
        $"s-{status.Status}-{OutboundMessages.Hash($"{status.Provider}|{status.ProviderMessageId}|{status.Timestamp.UtcTicks}")[..16]}";

    public const string Failed = "z-failed";
}
