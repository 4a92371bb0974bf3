using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Contacts;
using Functions.Events;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Outbound;
using Functions.Templates;
using Functions.Tenants;

namespace Functions.Webhooks;

/// <summary>
/// Turns a stored webhook into domain changes. Every step is idempotent, so a redelivered work
/// item or a replayed event has the effect of once:
/// <list type="bullet">
/// <item>a customer message updates the contact's profile name, lands in its conversation (exactly
/// once, see <see cref="ConversationStore"/>), renews the care window and sets its timer;</item>
/// <item>a message that is only STOP (or START, in several languages) records the consent change
/// with the message as evidence, once per message;</item>
/// <item>each recorded customer message and each status that moves a message publishes an outgoing
/// event (<c>message.received</c>, <c>message.status</c>) with an id that follows from it, so a
/// retried webhook publishes nothing new;</item>
/// <item>a delivery status moves the message it names forward (<see cref="OutboundMessages.ApplyStatusAsync"/>),
/// never back, and settles a send whose outcome was unknown;</item>
/// <item>a template review (Meta's template status webhook) moves the template version it names.</item>
/// </list>
/// A payload that cannot be read is marked Failed (kept for inspection and replay), not retried.
/// </summary>
public sealed class ProcessWebhookEventHandler(
    WebhookInbox inbox,
    TenantDirectory tenants,
    ContactBook contacts,
    ConversationStore conversations,
    CareWindowTimer careWindow,
    TenantEvents events,
    OutboundMessages outbound,
    TemplateReviews templates,
    TimeProvider time,
    ILogger<ProcessWebhookEventHandler> logger) : IQueueFunctionHandler
{
    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var work = JsonSerializer.Deserialize<WebhookWork>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The work item is empty.");
        if (await inbox.FindAsync(work.Tenant, work.EventId, cancellationToken) is not { } stored)
        {
            logger.LogWarning("Webhook event {EventId} of tenant {Tenant} is gone (expired?); nothing to do", work.EventId, work.Tenant);
            return;
        }

        IReadOnlyList<ChannelEvent> events;
        try
        {
            events = Parse(stored);
        }
        catch (FormatException ex)
        {
            logger.LogWarning("Webhook event {EventId} of tenant {Tenant} could not be read: {Reason}", stored.Id, work.Tenant, ex.Message);
            await inbox.MarkAsync(work.Tenant, stored with { Status = WebhookEventStatus.Failed, Error = ex.Message, ProcessedOn = time.GetUtcNow() }, cancellationToken);
            return;
        }

        var tenant = await tenants.FindAsync(work.Tenant, cancellationToken);
        if (tenant is null)
        {
            logger.LogWarning("Webhook event {EventId}: tenant {Tenant} is gone; nothing to do", stored.Id, work.Tenant);
            await inbox.MarkAsync(work.Tenant, stored with { Status = WebhookEventStatus.Failed, Error = "The tenant no longer exists.", ProcessedOn = time.GetUtcNow() }, cancellationToken);
            return;
        }
        foreach (var inbound in events.OfType<InboundMessageEvent>())
        {
            await RecordInboundAsync(tenant, inbound, cancellationToken);
        }
        foreach (var review in events.OfType<TemplateStatusEvent>())
        {
            await templates.ApplyAsync(work.Tenant, review, cancellationToken);
        }
        foreach (var status in events.OfType<MessageStatusEvent>())
        {
            if (await outbound.ApplyStatusAsync(work.Tenant, status, cancellationToken) is null)
            {
                logger.LogInformation("Status {Status} for {ProviderMessageId}: not a message of ours; ignored", status.Status, status.ProviderMessageId);
            }
        }
        await inbox.MarkAsync(work.Tenant, stored with { Status = WebhookEventStatus.Processed, EventCount = events.Count, Error = null, ProcessedOn = time.GetUtcNow() }, cancellationToken);
    }

    private static IReadOnlyList<ChannelEvent> Parse(WebhookEvent stored)
    {
        var request = new WebhookRequest(stored.PublicUrl, "POST", new Dictionary<string, string>(), stored.Body);
        return stored.Provider switch
        {
            TwilioWebhookParser.ProviderName => TwilioWebhookParser.Parse(request, new ReceivedAt(stored.ReceivedOn)),
            MetaWebhookParser.ProviderName => MetaWebhookParser.Parse(request),
            Channels.Sandbox.SandboxWebhookParser.ProviderName => Channels.Sandbox.SandboxWebhookParser.Parse(request),
            _ => throw new FormatException($"Unknown provider '{stored.Provider}'."),
        };
    }

    private async Task RecordInboundAsync(Tenant found, InboundMessageEvent inbound, CancellationToken cancellationToken)
    {
        var tenant = found.Id;
        if (!PhoneNumbers.TryNormalize(inbound.From, null, out var phone, out _))
        {
            // Meta's username-only users arrive without a phone number; the product keys contacts by number.
            logger.LogWarning("Inbound message {MessageId} has no phone number; skipped", inbound.ProviderMessageId);
            return;
        }
        var message = inbound with { From = phone };
        if (message.ProfileName is { Length: > 0 } profileName)
        {
            // Written only when it changed (a webhook per message would otherwise rewrite the contact each time).
            await contacts.UpsertAsync(tenant, phone, c => c.ProfileName == profileName ? null : c with { ProfileName = profileName }, cancellationToken);
        }

        // Keyed by the tenant's sender, not the number form this webhook used, so replies find the same conversation.
        var recorded = await conversations.RecordInboundAsync(tenant, ProviderAccounts.SenderId(found.Provider), message, cancellationToken);
        if (recorded.Conversation is { } conversation)
        {
            // Also for a redelivery: the first try may have stopped before this. Extra timers are no-ops.
            await careWindow.ScheduleAsync(tenant, conversation, cancellationToken);
        }
        // Also for a redelivery (the first try may have stopped before this): the event id follows
        // from the message, so the event is stored and delivered once however often this runs.
        await events.PublishAsync(tenant, EventTypes.MessageReceived,
            new MessageReceivedData(recorded.Message.ConversationId, phone, message.ProfileName, MessageView.Of(recorded.Message)),
            idempotencyKey: recorded.Message.Id, cancellationToken);
        if (recorded.Reopened && recorded.Conversation is { } reopened)
        {
            await events.PublishAsync(tenant, EventTypes.ConversationStatus, ConversationStatusEvent.Of(reopened, ConversationStatus.Archived),
                idempotencyKey: $"{reopened.Id}:reopened:{recorded.Message.Id}", cancellationToken);
        }
        await RecordKeywordConsentAsync(found, phone, message, recorded.Conversation, cancellationToken);
        logger.LogInformation("Inbound {Kind} message {MessageId} in conversation {ConversationId}{Duplicate}",
            message.Kind, message.ProviderMessageId, recorded.Message.ConversationId, recorded.Duplicate ? " (already recorded)" : "");
    }

    /// <summary>
    /// STOP (or the tenant's own word) opts out of marketing and utility messages alike; START
    /// opts back in to both. The customer gets the tenant's confirmation, once per message.
    /// </summary>
    private async Task RecordKeywordConsentAsync(Tenant found, string phone, InboundMessageEvent message, Conversation? conversation, CancellationToken cancellationToken)
    {
        var tenant = found.Id;
        var keyword = message.Kind == MessageKind.Text ? ConsentKeywords.For(found).Classify(message.Text) : ConsentKeyword.None;
        if (keyword == ConsentKeyword.None)
        {
            return;
        }
        var evidence = $"message {message.Provider}:{message.ProviderMessageId}";
        // One ledger row per message and purpose, however often the message is processed.
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(evidence)))[..32];
        var state = keyword == ConsentKeyword.OptOut ? ConsentState.OptedOut : ConsentState.OptedIn;
        foreach (var purpose in new[] { ConsentPurpose.Marketing, ConsentPurpose.Utility })
        {
            await contacts.RecordConsentAsync(tenant, phone,
                new ConsentRecord(purpose, state, ConsentRecord.Sources.Keyword, evidence, message.Timestamp) { IdempotencyKey = key }, cancellationToken);
        }
        logger.LogInformation("Consent keyword {Keyword} from message {MessageId}", keyword, message.ProviderMessageId);

        var contact = await contacts.FindAsync(tenant, phone, cancellationToken);
        if (conversation is null || ConsentReplies.TextFor(keyword, contact?.Language, found) is not { } reply)
        {
            return;
        }
        // A keyword processed late (a replay days after): confirm only within its own window, and
        // only while the contact's consent is still what it asked for (they may have written START since).
        var stillSo = state == ConsentState.OptedOut
            ? contact is { Marketing: ConsentState.OptedOut, Utility: ConsentState.OptedOut }
            : contact is { Marketing: ConsentState.OptedIn, Utility: ConsentState.OptedIn };
        if (time.GetUtcNow() >= message.Timestamp + CareWindow.Length || !stillSo)
        {
            logger.LogInformation("No confirmation for message {MessageId}: too late, or the consent has changed since", message.ProviderMessageId);
            return;
        }
        // The message's id is the key: processing it again never sends a second confirmation.
        await outbound.SendTextAsync(tenant, conversation.Id, reply, internalKey: "consent-reply " + evidence, cancellationToken);
    }

    /// <summary>Twilio's inbound webhooks carry no time: the time they were received stands in, also on replay.</summary>
    private sealed class ReceivedAt(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
