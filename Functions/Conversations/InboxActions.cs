using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Events;
using Functions.Tenants;

namespace Functions.Conversations;

/// <summary>How a mark-read went with the provider's read receipt (the blue ticks the customer sees).</summary>
public enum ReadReceiptOutcome
{
    /// <summary>Meta took it (<c>status: read</c> for the newest customer message).</summary>
    Sent,
    /// <summary>The sandbox recorded it on the conversation; nothing leaves the app.</summary>
    Recorded,
    /// <summary>Sent for this message before: not sent again.</summary>
    AlreadySent,
    /// <summary>The customer has not written yet: nothing to mark.</summary>
    NoCustomerMessage,
    /// <summary>Twilio's Messages API has no read receipts for WhatsApp; the unread count is cleared all the same.</summary>
    NotSupported,
    /// <summary>The provider refused it or did not answer; the unread count is cleared all the same.</summary>
    Failed,
}

public sealed record MarkReadResult(Conversation Conversation, ReadReceiptOutcome ReadReceipt, string? Detail);

/// <summary>
/// The agents' actions on a conversation that others want to hear about: assignment and status
/// (each publishes its event after the change is stored, and again when a retry finds the change made), and mark-read (clears the unread count,
/// then sends the read receipt where the provider has one).
/// </summary>
public sealed class InboxActions(
    ConversationStore conversations, TenantDirectory tenants, MetaClient meta, TenantEvents events, TimeProvider time, ILogger<InboxActions> logger)
{
    /// <summary>
    /// Assigns (or with null unassigns); null when there is no such conversation. No event when
    /// nothing changed, except for a retry soon after the same assignment: the first try may have
    /// stopped before it published (the event keeps its id, so it is delivered once).
    /// </summary>
    public async Task<Conversation?> AssignAsync(string tenantId, string conversationId, string? agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var updated = await conversations.UpdateAsync(tenantId, conversationId, c => c.AssignedAgentId == agentId ? null : c with
        {
            AssignedAgentId = agentId,
            LastAssignment = AssignmentChange.Now(c.AssignedAgentId, AssignmentChange.ByAgent, now),
        }, cancellationToken);
        if (updated?.LastAssignment is { By: AssignmentChange.ByAgent } assignment && updated.AssignedAgentId == agentId
            && now - assignment.At < Conversation.ChangeReplayWindow)
        {
            await events.PublishAsync(tenantId, EventTypes.ConversationAssigned,
                new ConversationAssignedEvent(updated.Id, updated.ContactPhone, agentId, assignment.From, AssignmentChange.ByAgent),
                assignment.EventKey(updated.Id), cancellationToken);
        }
        return updated;
    }

    /// <summary>
    /// Moves the conversation to <paramref name="status"/>. Closed is final: a closed conversation
    /// stays closed (the result says so) and the customer's next message starts a new one. Like
    /// assignment, a retry soon after the same change publishes its event again under the same id.
    /// </summary>
    public async Task<(Conversation? Conversation, bool Refused)> SetStatusAsync(string tenantId, string conversationId, ConversationStatus status, CancellationToken cancellationToken)
    {
        var after = status switch
        {
            ConversationStatus.Closed => await conversations.CloseAsync(tenantId, conversationId, cancellationToken),
            ConversationStatus.Archived => await conversations.ArchiveAsync(tenantId, conversationId, cancellationToken),
            _ => await conversations.ReopenAsync(tenantId, conversationId, cancellationToken),
        };
        if (after?.LastStatusChange is { By: StatusChange.ByAgent } change && after.Status == status
            && time.GetUtcNow() - change.At < Conversation.ChangeReplayWindow)
        {
            await events.PublishAsync(tenantId, EventTypes.ConversationStatus,
                ConversationStatusEvent.Of(after, change.From), change.EventKey(after.Id), cancellationToken);
        }
        // Closed (now or before, by anyone): any other status is refused.
        return (after, after is not null && after.Status != status);
    }

    /// <summary>Clears the unread count and sends a read receipt for the newest customer message where the provider has them.</summary>
    public async Task<MarkReadResult?> MarkReadAsync(string tenantId, string conversationId, CancellationToken cancellationToken)
    {
        var cleared = await conversations.UpdateAsync(tenantId, conversationId, c => c.UnreadCount == 0 ? null : c with { UnreadCount = 0 }, cancellationToken);
        if (cleared is null)
        {
            return null;
        }
        if (cleared.LastInboundProviderMessageId is not { } messageId)
        {
            return new MarkReadResult(cleared, ReadReceiptOutcome.NoCustomerMessage, null);
        }
        if (cleared.ReadReceiptFor == messageId)
        {
            return new MarkReadResult(cleared, ReadReceiptOutcome.AlreadySent, null);
        }
        var tenant = await tenants.FindAsync(tenantId, cancellationToken);
        ReadReceiptOutcome outcome;
        string? detail = null;
        switch (tenant?.Provider.Type)
        {
            case ProviderSettings.MetaType when cleared.LastInboundProvider == MetaWebhookParser.ProviderName:
                try
                {
                    await meta.MarkReadAsync(ProviderAccounts.Meta(tenant.Provider), messageId, cancellationToken);
                    outcome = ReadReceiptOutcome.Sent;
                }
                catch (Exception ex) when (ex is ChannelSendException or SendOutcomeUnknownException or HttpRequestException)
                {
                    // The receipt is a courtesy: the agent has read the messages whatever Meta says.
                    logger.LogWarning("Read receipt for conversation {ConversationId} failed: {Reason}", conversationId, ex.GetType().Name);
                    return new MarkReadResult(cleared, ReadReceiptOutcome.Failed, "Meta did not take the read receipt; the unread count is cleared.");
                }
                break;
            case ProviderSettings.SandboxType:
                outcome = ReadReceiptOutcome.Recorded;
                break;
            default:
                return new MarkReadResult(cleared, ReadReceiptOutcome.NotSupported, "Twilio's API has no read receipts for WhatsApp messages.");
        }
        var stored = await conversations.UpdateAsync(tenantId, conversationId, c => c with { ReadReceiptFor = messageId, ReadReceiptAt = time.GetUtcNow() }, cancellationToken) ?? cleared;
        return new MarkReadResult(stored, outcome, detail);
    }
}
