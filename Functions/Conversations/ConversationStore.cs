using Azure;
using Functions.Channels;
using Functions.Contacts;
using Functions.Events;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>
/// The outcome of recording an inbound message: the conversation (null only when it has been
/// deleted since), the message, and whether it had been recorded before.
/// </summary>
public sealed record InboundRecorded(Conversation? Conversation, ConversationMessage Message, bool Duplicate)
{
    /// <summary>The message reopened an archived conversation (the first time it was recorded).</summary>
    public bool Reopened { get; init; }
}

/// <summary>
/// Conversations and their messages. Recording an inbound message is safe to repeat (providers
/// retry webhooks for days): the de-duplication row is inserted in the same transaction as the
/// conversation update, so the unread count and the window renewal happen exactly once, and it
/// names the conversation the message belongs to; the message row is written after that
/// commit, with a key that follows from the provider's id, so a retry completes the same row
/// in the same conversation and never a second one elsewhere.
/// <para>Every write of a conversation row also writes its inbox index row (<see cref="ConversationIndex"/>)
/// in the same transaction. A new conversation is assigned round-robin when the tenant switched it on
/// (<see cref="InboxCatalog"/>); the rotation's cursor is written in that transaction too, so two new
/// conversations at once never take the same turn.</para>
/// </summary>
public sealed class ConversationStore(ITableStore tables, TimeProvider time, ContactBook? contacts = null, TenantEvents? events = null)
{
    private const int MaxAttempts = 12;
    private readonly InboxList _inbox = new(tables, time);

    /// <summary>A page of the inbox: newest activity first, filtered (see <see cref="InboxList"/>).</summary>
    /// <exception cref="InboxTokenException">The continuation token is malformed, for other filters, or expired.</exception>
    public Task<InboxPage> ListAsync(string tenantId, InboxFilter filter, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
        _inbox.ListAsync(tenantId, filter, pageSize, continuationToken, cancellationToken);

    /// <summary>Provider ids can hold any characters and be long: the key uses a hash of them.</summary>
    public static string ProviderIndexRowKey(string provider, string providerMessageId) =>
        $"p:{provider}:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(providerMessageId)))}";

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
            if (await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, indexKey, cancellationToken) is { } index
                && index.GetString("ConversationId") is { } recordedIn)
            {
                // Recorded before: make sure its message row is there (a crash may have come between), nothing else.
                // A redelivery can carry another time (Twilio's is the time it was received): the row keeps the first one's.
                var firstAt = index.GetString("MessageRowKey") is { Length: > 19 } rowKey
                    && long.TryParse(rowKey.AsSpan(0, 19), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var inverted)
                        ? new DateTimeOffset(DateTimeOffset.MaxValue.UtcTicks - inverted, TimeSpan.Zero)
                        : inbound.Timestamp;
                var again = InboundMessage(inbound with { Timestamp = firstAt }, recordedIn);
                await InsertIfMissingAsync(tenantId, again, cancellationToken);
                var recorded = await GetAsync(tenantId, recordedIn, cancellationToken);
                // The first try may have stopped before it published the reopening: say so again (the event's id follows from the message).
                return new InboundRecorded(recorded, again, Duplicate: true)
                {
                    Reopened = recorded?.LastStatusChange is { By: StatusChange.ByCustomer } reopening && reopening.MessageId == again.Id,
                };
            }

            var (conversation, etag) = await OpenForAsync(tenantId, sender, inbound.From, cancellationToken);
            var message = InboundMessage(inbound, conversation.Id);
            // Webhooks arrive out of order: only the latest message (by the provider's time) sets the preview.
            var newest = conversation.LastMessageAt is null || inbound.Timestamp >= conversation.LastMessageAt;
            var newestInbound = conversation.Window.LastCustomerMessageAt is not { } lastInbound || inbound.Timestamp >= lastInbound;
            var changed = conversation with
            {
                Status = ConversationStatus.Active,
                Window = conversation.Window.WithCustomerMessage(inbound.Timestamp, viaReferral: inbound.Referral is not null),
                LastActivityOn = inbound.Timestamp > conversation.LastActivityOn ? inbound.Timestamp : conversation.LastActivityOn,
                LastMessagePreview = newest ? Conversation.Preview(inbound.Text ?? $"[{inbound.Kind.ToString().ToLowerInvariant()}]") : conversation.LastMessagePreview,
                LastMessageAt = newest ? inbound.Timestamp : conversation.LastMessageAt,
                UnreadCount = conversation.UnreadCount + 1,
                ContactName = conversation.ContactName ?? inbound.ProfileName,
                LastInboundProvider = newestInbound ? inbound.Provider : conversation.LastInboundProvider,
                LastInboundProviderMessageId = newestInbound ? inbound.ProviderMessageId : conversation.LastInboundProviderMessageId,
                LastStatusChange = conversation.Status == ConversationStatus.Archived
                    ? StatusChange.Now(ConversationStatus.Archived, StatusChange.ByCustomer, time.GetUtcNow(), message.Id)
                    : conversation.LastStatusChange,
            };
            var indexRow = new TableEntity(tenantId, indexKey)
            {
                ["ConversationId"] = conversation.Id,
                ["MessageRowKey"] = message.RowKey,
            };
            var (updated, listing) = ConversationIndex.Plan(tenantId, changed, time.GetUtcNow());
            try
            {
                await tables.SubmitTransactionAsync(Conversation.Table,
                [
                    new(TableTransactionActionType.Insert, indexRow),
                    new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), etag),
                    .. listing,
                ], cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (attempt < MaxAttempts && ex.Status is 409 or 412 or 404)
            {
                // Another delivery of this webhook won (the loop then finds it recorded), or the
                // conversation changed meanwhile: go again on top of the latest, after a short pause.
                await Contention.PauseAsync(attempt, cancellationToken);
                continue;
            }
            await InsertIfMissingAsync(tenantId, message, cancellationToken);
            return new InboundRecorded(updated, message, Duplicate: false) { Reopened = conversation.Status == ConversationStatus.Archived };
        }
    }

    /// <summary>
    /// Writes the message row unless it is there already (then it may have moved on, say to read:
    /// keep it), and its index row, so it can be found by id alone.
    /// </summary>
    private async Task InsertIfMissingAsync(string tenantId, ConversationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await tables.InsertAsync(ConversationMessage.Table, message.ToEntity(tenantId), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
        }
        await tables.UpsertAsync(ConversationMessage.IndexTable, message.ToIndexEntity(tenantId), cancellationToken: cancellationToken);
    }

    private static ConversationMessage InboundMessage(InboundMessageEvent inbound, string conversationId) => new(
        ConversationMessage.InboundId(inbound.Provider, inbound.ProviderMessageId), conversationId,
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
                var found = Conversation.FromEntity(row);
                if (found is { LastMessageAt: null, LastAssignment.By: AssignmentChange.ByRoundRobin })
                {
                    // Opened, and nothing recorded in it yet: the try that opened it may have stopped before it published the assignment.
                    await PublishRoundRobinAsync(tenantId, found, cancellationToken);
                }
                return (found, row.ETag);
            }

            var now = time.GetUtcNow();
            var contact = contacts is null ? null : await contacts.FindAsync(tenantId, phone, cancellationToken);
            var opened = new Conversation(Conversation.NewId(now), phone, sender, ConversationStatus.Active, new CareWindow(), now, now, null, 0)
            {
                ContactName = contact?.Name ?? contact?.ProfileName,
            };
            var turn = await InboxCatalog.NextRoundRobinTurnAsync(tables, tenantId, cancellationToken);
            if (turn is not null)
            {
                opened = opened with { AssignedAgentId = turn.AgentId, LastAssignment = AssignmentChange.Now(null, AssignmentChange.ByRoundRobin, now) };
            }
            var (conversation, listing) = ConversationIndex.Plan(tenantId, opened, now);
            try
            {
                var etags = await tables.SubmitTransactionAsync(Conversation.Table,
                [
                    new(TableTransactionActionType.Insert, conversation.ToEntity(tenantId)),
                    pointer is null
                        ? new(TableTransactionActionType.Insert, new TableEntity(tenantId, pointerKey) { ["ConversationId"] = conversation.Id })
                        // A pointer to a conversation that is gone: point it at the new one.
                        : new(TableTransactionActionType.Replace, new TableEntity(tenantId, pointerKey) { ["ConversationId"] = conversation.Id }, pointer.ETag),
                    .. listing,
                    .. turn is null ? [] : new[] { turn.CursorAction },
                ], cancellationToken);
                await PublishRoundRobinAsync(tenantId, conversation, cancellationToken);
                return (conversation, etags[0]);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone opened it at the same moment: use theirs.
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    private async Task PublishRoundRobinAsync(string tenantId, Conversation conversation, CancellationToken cancellationToken)
    {
        if (events is not null && conversation.LastAssignment is { By: AssignmentChange.ByRoundRobin } assignment
            && time.GetUtcNow() - assignment.At < Conversation.ChangeReplayWindow)
        {
            await events.PublishAsync(tenantId, EventTypes.ConversationAssigned,
                new ConversationAssignedEvent(conversation.Id, conversation.ContactPhone, conversation.AssignedAgentId, null, AssignmentChange.ByRoundRobin),
                assignment.EventKey(conversation.Id), cancellationToken);
        }
    }

    /// <summary>
    /// The contact's name changed: their open (or archived) conversation on this sender shows the
    /// new one, in the inbox list and its search too. Closed conversations keep the name they had.
    /// </summary>
    public async Task RenameContactAsync(string tenantId, string sender, string phone, string? name, CancellationToken cancellationToken)
    {
        if (await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.OpenPointerRowKey(sender, phone), cancellationToken) is { } pointer
            && pointer.GetString("ConversationId") is { } id)
        {
            await UpdateAsync(tenantId, id, c => c.ContactName == name ? null : c with { ContactName = name }, cancellationToken);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored conversation and writes it (optimistically,
    /// again on a concurrent change). The change returns null when there is nothing to write.
    /// </summary>
    public async Task<Conversation?> UpdateAsync(string tenantId, string conversationId, Func<Conversation, Conversation?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!Conversation.IsValidId(conversationId)
                || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(conversationId), cancellationToken) is not { } row)
            {
                return null;
            }
            var conversation = Conversation.FromEntity(row);
            if (change(conversation) is not { } updated)
            {
                return conversation;
            }
            var (stored, listing) = ConversationIndex.Plan(tenantId, updated, time.GetUtcNow());
            try
            {
                await tables.SubmitTransactionAsync(Conversation.Table,
                    [new(TableTransactionActionType.Replace, stored.ToEntity(tenantId), row.ETag), .. listing], cancellationToken);
                return stored;
            }
            catch (TableTransactionFailedException ex) when (attempt < MaxAttempts && ex.Status is 412 or 404)
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>A message from the business: the newest one sets the inbox preview; it never renews the care window.</summary>
    public Task<Conversation?> RecordOutboundAsync(string tenantId, ConversationMessage message, CancellationToken cancellationToken) =>
        UpdateAsync(tenantId, message.ConversationId, c => c.LastMessageAt is { } last && last > message.At ? null : c with
        {
            LastActivityOn = message.At > c.LastActivityOn ? message.At : c.LastActivityOn,
            LastMessageAt = message.At,
            LastMessagePreview = Conversation.Preview(message.Text ?? message.Template?.Name ?? message.Interactive?.Body ?? $"[{message.Kind.ToString().ToLowerInvariant()}]"),
        }, cancellationToken);

    /// <summary>The provider took a business message at <paramref name="at"/>: it may open the free entry point (see <see cref="CareWindow"/>).</summary>
    public Task<Conversation?> RecordBusinessMessageSentAsync(string tenantId, string conversationId, DateTimeOffset at, CancellationToken cancellationToken) =>
        UpdateAsync(tenantId, conversationId, c => c.Window.WithBusinessMessage(at) is var window && window != c.Window ? c with { Window = window } : null, cancellationToken);

    /// <summary>Closes a conversation for good: the customer's next message starts a new one.</summary>
    public async Task<Conversation?> CloseAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Closed, StatusChange.ByAgent, cancellationToken);

    /// <summary>Archives a conversation: it leaves the active inbox and reopens when the customer writes.</summary>
    public async Task<Conversation?> ArchiveAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Archived, StatusChange.ByAgent, cancellationToken);

    /// <summary>
    /// Archives a conversation only while it is Active and its last activity is before
    /// <paramref name="cutoff"/>, decided on the row it writes (so a customer message landing
    /// meanwhile keeps it open). Returns the conversation as stored and whether this call archived it.
    /// </summary>
    public async Task<(Conversation? Conversation, bool Archived)> ArchiveIfIdleAsync(string tenantId, string conversationId, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var archived = false;
        var after = await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Archived, StatusChange.ByAutoArchive, cancellationToken,
            when: c => archived = c.Status == ConversationStatus.Active && c.LastActivityOn < cutoff);
        return (after, archived && after?.Status == ConversationStatus.Archived);
    }

    /// <summary>
    /// Deletes the tenant's expired ghost index rows by rewriting their conversations in place
    /// (the rewrite deletes them in the conversation's own transaction). Returns how many
    /// conversations were rewritten.
    /// </summary>
    public async Task<int> SweepIndexAsync(string tenantId, CancellationToken cancellationToken)
    {
        var expired = new List<TableEntity>();
        foreach (var prefix in new[] { ConversationIndex.Prefix, ConversationIndex.AgentPrefix, ConversationIndex.RequestPrefix })
        {
            expired.AddRange(await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(tenantId, prefix) with
            {
                Filter = TableFilter.LessThanOrEqual("MovedAt", time.GetUtcNow() - ConversationIndex.GhostLifetime),
            }, cancellationToken));
        }
        var ids = expired.Select(ConversationIndex.ConversationIdOf).Where(Conversation.IsValidId).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            await UpdateAsync(tenantId, id, c => c, cancellationToken);
        }
        return ids.Count;
    }

    /// <summary>Puts an archived conversation back in the active inbox (a closed one stays closed).</summary>
    public async Task<Conversation?> ReopenAsync(string tenantId, string conversationId, CancellationToken cancellationToken) =>
        await ChangeStatusAsync(tenantId, conversationId, ConversationStatus.Active, StatusChange.ByAgent, cancellationToken);

    /// <summary>Messages of a conversation, newest first, a page at a time.</summary>
    public async Task<(IReadOnlyList<ConversationMessage> Messages, string? ContinuationToken)> ListMessagesAsync(
        string tenantId, string conversationId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (!Conversation.IsValidId(conversationId))
        {
            return ([], null);
        }
        var page = await tables.QueryAsync(ConversationMessage.Table,
            new TableQuery(ConversationMessage.Partition(tenantId, conversationId)) { Top = pageSize }, continuationToken, cancellationToken);
        return (page.Entities.Select(ConversationMessage.FromEntity).ToList(), page.ContinuationToken);
    }

    private async Task<Conversation?> ChangeStatusAsync(
        string tenantId, string conversationId, ConversationStatus status, string by, CancellationToken cancellationToken, Func<Conversation, bool>? when = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!Conversation.IsValidId(conversationId)
                || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(conversationId), cancellationToken) is not { } row)
            {
                return null;
            }
            var conversation = Conversation.FromEntity(row);
            if (conversation.Status == status || conversation.Status == ConversationStatus.Closed || when?.Invoke(conversation) == false)
            {
                return conversation; // closed is final
            }
            var now = time.GetUtcNow();
            var (updated, listing) = ConversationIndex.Plan(tenantId,
                conversation with { Status = status, LastStatusChange = StatusChange.Now(conversation.Status, by, now) }, now);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), row.ETag) };
            actions.AddRange(listing);
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
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }
}
