using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Hosting;

namespace Functions.Webhooks;

/// <summary>
/// Turns a stored webhook into domain changes. Every step is idempotent, so a redelivered work
/// item or a replayed event has the effect of once:
/// <list type="bullet">
/// <item>a customer message updates the contact's profile name, lands in its conversation (exactly
/// once, see <see cref="ConversationStore"/>), renews the care window and sets its timer;</item>
/// <item>a message that is only STOP (or START, in several languages) records the consent change
/// with the message as evidence, once per message;</item>
/// <item>delivery statuses and template reviews are counted here and applied by the outbound and
/// template capabilities as they arrive (not yet built).</item>
/// </list>
/// A payload that cannot be read is marked Failed (kept for inspection and replay), not retried.
/// </summary>
public sealed class ProcessWebhookEventHandler(
    WebhookInbox inbox, ContactBook contacts, ConversationStore conversations, CareWindowTimer careWindow, TimeProvider time, ILogger<ProcessWebhookEventHandler> logger) : IQueueFunctionHandler
{
    private static readonly ConsentKeywords Keywords = new();

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

        foreach (var inbound in events.OfType<InboundMessageEvent>())
        {
            await RecordInboundAsync(work.Tenant, inbound, cancellationToken);
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

    private async Task RecordInboundAsync(string tenant, InboundMessageEvent inbound, CancellationToken cancellationToken)
    {
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

        var recorded = await conversations.RecordInboundAsync(tenant, message.To, message, cancellationToken);
        if (recorded.Conversation is { } conversation)
        {
            // Also for a redelivery: the first try may have stopped before this. Extra timers are no-ops.
            await careWindow.ScheduleAsync(tenant, conversation, cancellationToken);
        }
        await RecordKeywordConsentAsync(tenant, phone, message, cancellationToken);
        logger.LogInformation("Inbound {Kind} message {MessageId} in conversation {ConversationId}{Duplicate}",
            message.Kind, message.ProviderMessageId, recorded.Message.ConversationId, recorded.Duplicate ? " (already recorded)" : "");
    }

    /// <summary>STOP opts out of marketing and utility messages alike; START opts back in to both.</summary>
    private async Task RecordKeywordConsentAsync(string tenant, string phone, InboundMessageEvent message, CancellationToken cancellationToken)
    {
        var keyword = message.Kind == MessageKind.Text ? Keywords.Classify(message.Text) : ConsentKeyword.None;
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
    }

    /// <summary>Twilio's inbound webhooks carry no time: the time they were received stands in, also on replay.</summary>
    private sealed class ReceivedAt(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
