using Azure;
using Functions.Channels;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>The outcome of recording an inbound message: the conversation, the message, and whether it had been recorded before.</summary>
public sealed record InboundRecorded(Conversation Conversation, ConversationMessage Message, bool Duplicate);

/// <summary>
/// Conversations and their messages. Recording an inbound message is safe to repeat (providers
/// retry webhooks for days): the message row's key follows from the provider's message id, and
/// the de-duplication row is inserted in the same transaction as the conversation update, so the
/// unread count and the window renewal happen exactly once.
/// </summary>
public sealed class ConversationStore(ITableStore tables, TimeProvider time)
{
    private const int MaxAttempts = 8;

    public static string ProviderIndexRowKey(string provider, string providerMessageId) => $"p:{provider}:{providerMessageId}";

    public async Task<Conversation?> GetAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        Conversation.IsValidId(conversationId)
        && await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(conversationId), cancellationToken) is { } row
            ? Conversation.FromEntity(row)
            : null;

    /// <summary>
    /// Stores a customer's message: finds or opens the conversation (an archived one reopens, a
    /// closed one is followed by a new one), renews the care window and counts it unread.
    /// </summary>
    public async Task<InboundRecorded> RecordInboundAsync(string tenantId, string sender, InboundMessageEvent inbound, CancellationToken cancellationToken)
    {
        var indexKey = ProviderIndexRowKey(inbound.Provider, inbound.ProviderMessageId);
        for (var attempt = 1; ; attempt++)
        {
            if (await FindRecordedAsync(tenantId, indexKey, cancellationToken) is { } recorded)
            {
                return recorded with { Duplicate = true };
            }

            var (conversation, etag) = await OpenForAsync(tenantId, sender, inbound.From, cancellationToken);
            var message = new ConversationMessage(
                ConversationMessage.InboundId(inbound.Provider, inbound.ProviderMessageId), conversation.Id,
                MessageDirection.Inbound, inbound.Kind, inbound.Timestamp, DeliveryStatus.Delivered)
            {
                Text = inbound.Text,
                Media = inbound.Media,
                Location = inbound.Location,
                Contacts = inbound.Contacts,
                Reply = inbound.Reply,
                Reaction = inbound.Reaction,
                Provider = inbound.Provider,
                ProviderMessageId = inbound.ProviderMessageId,
                ContextMessageId = inbound.ContextMessageId,
            };
            // Idempotent: the same webhook always writes the same row.
            await tables.UpsertAsync(ConversationMessage.Table, message.ToEntity(tenantId), cancellationToken: cancellationToken);

            // Webhooks arrive out of order: only the latest message sets the preview and the activity time.
            var newest = conversation.LastMessagePreview is null || inbound.Timestamp >= conversation.LastActivityOn;
            var updated = conversation with
            {
                Status = ConversationStatus.Active,
                Window = conversation.Window.WithCustomerMessage(inbound.Timestamp, viaReferral: inbound.Referral is not null),
                LastActivityOn = newest && inbound.Timestamp > conversation.LastActivityOn ? inbound.Timestamp : conversation.LastActivityOn,
                LastMessagePreview = newest ? Conversation.Preview(inbound.Text ?? $"[{inbound.Kind.ToString().ToLowerInvariant()}]") : conversation.LastMessagePreview,
                UnreadCount = conversation.UnreadCount + 1,
            };
            var index = new TableEntity(tenantId, indexKey)
            {
                ["ConversationId"] = conversation.Id,
                ["MessageRowKey"] = message.RowKey,
            };
            try
            {
                await tables.SubmitTransactionAsync(Conversation.Table,
                [
                    new(TableTransactionActionType.Insert, index),
                    new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), etag),
                ], cancellationToken);
                return new InboundRecorded(updated, message, Duplicate: false);
            }
            catch (TableTransactionFailedException ex) when (attempt < MaxAttempts && (ex.FailedIndex == 0 && ex.Status == 409 || ex.FailedIndex == 1 && ex.Status is 412 or 404))
            {
                // Either another delivery of this webhook won (the loop then finds it recorded), or
                // the conversation changed meanwhile: go again on top of the latest.
            }
        }
    }

    /// <summary>The tenant's open conversation with this contact on this sender, or null.</summary>
    public async Task<Conversation?> FindOpenAsync(string tenantId, string sender, string phone, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.OpenPointerRowKey(sender, phone), cancellationToken) is { } pointer
        && pointer.GetString("ConversationId") is { } id
            ? await GetAsync(tenantId, id, cancellationToken)
            : null;

    /// <summary>The tenant's open conversation with this contact on this sender, opened now if there is none.</summary>
    public async Task<(Conversation Conversation, ETag ETag)> OpenForAsync(string tenantId, string sender, string phone, CancellationToken cancellationToken)
    {
        var pointerKey = Conversation.OpenPointerRowKey(sender, phone);
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, pointerKey, cancellationToken);
            if (pointer?.GetString("ConversationId") is { } id
                && await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(id), cancellationToken) is { } row)
            {
                return (Conversation.FromEntity(row), row.ETag);
            }

            var now = time.GetUtcNow();
            var conversation = new Conversation(Conversation.NewId(now), phone, sender, ConversationStatus.Active, new CareWindow(), now, now, null, 0);
            try
            {
                var etags = await tables.SubmitTransactionAsync(Conversation.Table,
                [
                    new(TableTransactionActionType.Insert, conversation.ToEntity(tenantId)),
                    pointer is null
                        ? new(TableTransactionActionType.Insert, new TableEntity(tenantId, pointerKey) { ["ConversationId"] = conversation.Id })
                        // A pointer to a conversation that is gone: point it at the new one.
                        : new(TableTransactionActionType.Replace, new TableEntity(tenantId, pointerKey) { ["ConversationId"] = conversation.Id }, pointer.ETag),
                ], cancellationToken);
                return (conversation, etags[0]);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone opened it at the same moment: use theirs.
            }
        }
    }

    /// <summary>Closes a conversation for good: the customer's next message starts a new one.</summary>
    public async Task<Conversation?> CloseAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Closed, cancellationToken);

    /// <summary>Archives a conversation: it leaves the active inbox and reopens when the customer writes.</summary>
    public async Task<Conversation?> ArchiveAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Archived, cancellationToken);

    /// <summary>Messages of a conversation, newest first, a page at a time.</summary>
    public async Task<(IReadOnlyList<ConversationMessage> Messages, string? ContinuationToken)> ListMessagesAsync(
        string tenantId, string conversationId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(ConversationMessage.Table,
            new TableQuery(ConversationMessage.Partition(tenantId, conversationId)) { Top = pageSize }, continuationToken, cancellationToken);
        return (page.Entities.Select(ConversationMessage.FromEntity).ToList(), page.ContinuationToken);
    }

    private async Task<InboundRecorded?> FindRecordedAsync(string tenantId, string indexKey, CancellationToken cancellationToken)
    {
        if (await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, indexKey, cancellationToken) is not { } index
            || index.GetString("ConversationId") is not { } conversationId || index.GetString("MessageRowKey") is not { } messageRowKey
            || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(conversationId), cancellationToken) is not { } conversation
            || await tables.GetEntityIfExistsAsync(ConversationMessage.Table, ConversationMessage.Partition(tenantId, conversationId), messageRowKey, cancellationToken) is not { } message)
        {
            return null;
        }
        return new InboundRecorded(Conversation.FromEntity(conversation), ConversationMessage.FromEntity(message), Duplicate: true);
    }

    private async Task<Conversation?> ChangeStatusAsync(string tenantId, string conversationId, ConversationStatus status, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!Conversation.IsValidId(conversationId)
                || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(conversationId), cancellationToken) is not { } row)
            {
                return null;
            }
            var conversation = Conversation.FromEntity(row);
            if (conversation.Status == status || conversation.Status == ConversationStatus.Closed)
            {
                return conversation; // closed is final
            }
            var updated = conversation with { Status = status };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), row.ETag) };
            if (status == ConversationStatus.Closed)
            {
                var pointerKey = Conversation.OpenPointerRowKey(conversation.Sender, conversation.ContactPhone);
                if (await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, pointerKey, cancellationToken) is { } pointer
                    && pointer.GetString("ConversationId") == conversationId)
                {
                    actions.Add(new(TableTransactionActionType.Delete, pointer, pointer.ETag));
                }
            }
            try
            {
                await tables.SubmitTransactionAsync(Conversation.Table, actions, cancellationToken);
                return updated;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                // Changed meanwhile (a customer message, say): decide again on the latest.
            }
        }
    }
}
