using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Events;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Outbound;

/// <summary>
/// Sends one queued message through the tenant's provider (queue <c>outbound-messages</c>).
/// <list type="bullet">
/// <item>The rules are checked again at send time: a free-form message whose care window closed
/// while it waited, or a template to a contact who opted out meanwhile, fails without a request.</item>
/// <item>Pacing per recipient (<see cref="RecipientPacing"/>) may put it back for later.</item>
/// <item>Each provider request is claimed on the message row first (attempt number and start
/// time). A redelivered work item that finds its own attempt claimed and unanswered knows the
/// worker stopped mid-request: the outcome is unknown and it is never resent; the status
/// callback settles it. Stale or duplicate work items do nothing.</item>
/// <item>429 and 5xx answers (and connections that never opened) are retried as new delayed work
/// items, after the provider's Retry-After or a doubling back-off, up to <c>Outbound:MaxAttempts</c>;
/// then, or on any other refusal, the message fails with the provider's code and our reason.</item>
/// </list>
/// </summary>
public sealed class SendMessageHandler(
    OutboundMessages messages,
    MessageTrace trace,
    TenantDirectory tenants,
    ContactBook contacts,
    ConversationStore conversations,
    ChannelSender sender,
    RecipientPacing pacing,
    TenantEvents events,
    IOptions<OutboundOptions> options,
    TimeProvider time,
    ILogger<SendMessageHandler> logger) : IQueueFunctionHandler
{
    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var work = JsonSerializer.Deserialize<SendWork>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The work item is empty.");
        if (await messages.FindAsync(work.Tenant, work.MessageId, cancellationToken) is not { Message: var message })
        {
            logger.LogWarning("Message {MessageId} of tenant {Tenant} is gone; nothing to send", work.MessageId, work.Tenant);
            return;
        }
        if (message.Direction != MessageDirection.Outbound || !IsUnsettled(message))
        {
            return; // sent, failed, or waiting for a status callback
        }
        // Every change below goes straight to the row (its key follows from the message), not through the id index again.
        var at = new MessageLocation(message.ConversationId, message.RowKey);
        if (message.AttemptStartedAt is not null)
        {
            if (message.AttemptToken == work.Token)
            {
                // This very work item claimed the attempt and is back: the worker stopped mid-request.
                await MarkOutcomeUnknownAsync(work, at, "The worker stopped during the provider request; it is not resent. The provider's status callback will settle it.", cancellationToken);
            }
            return; // another work item's request is in flight; it records its own answer
        }
        if (work.Attempt == message.Attempts && message.Attempts > 0)
        {
            // This attempt was answered with "try again", but the worker may have stopped before
            // queueing the next one: queue it (a duplicate is harmless, only one can claim it).
            var wait = message.NextAttemptAt is { } next && next > time.GetUtcNow() ? next - time.GetUtcNow() : TimeSpan.Zero;
            await messages.EnqueueAsync(SendWork.For(work.Tenant, work.MessageId, work.Attempt + 1), wait, cancellationToken);
            return;
        }
        if (work.Attempt != message.Attempts + 1)
        {
            return; // a duplicate or stale work item
        }

        var tenant = await tenants.FindAsync(work.Tenant, cancellationToken);
        var conversation = await conversations.GetAsync(work.Tenant, message.ConversationId, cancellationToken);
        if (tenant is null || conversation is null)
        {
            await FailBeforeRequestAsync(work, at, new ProviderError("gone", "The tenant or the conversation no longer exists.", FailureReason.InvalidRequest), cancellationToken);
            return;
        }
        if (await RefusalAsync(work.Tenant, message, conversation, cancellationToken) is { } refusal)
        {
            await FailBeforeRequestAsync(work, at, refusal, cancellationToken);
            return;
        }
        if (work.NotBefore is null && await PaceAsync(work, conversation.ContactPhone, cancellationToken))
        {
            return;
        }

        // Everything that can fail before the request happens before the claim, so a claimed
        // attempt that never recorded an answer really may have reached the provider.
        OutboundMessage outbound;
        try
        {
            outbound = ToOutbound(tenant, conversation, message);
        }
        catch (UriFormatException ex)
        {
            await FailBeforeRequestAsync(work, at, new ProviderError("invalid", ex.Message, FailureReason.InvalidRequest), cancellationToken);
            return;
        }
        var now = time.GetUtcNow();
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Attempt(work.Attempt, "request"),
            new TraceEntry(now, TraceEntry.Steps.Request, $"Request {work.Attempt} to {tenant.Provider.Type}.") { Attempt = work.Attempt }, cancellationToken);
        var (claimed, changed) = await messages.UpdateAtAsync(work.Tenant, at, m =>
            IsUnsettled(m) && m.AttemptStartedAt is null && m.Attempts == work.Attempt - 1
                ? m with { Attempts = work.Attempt, AttemptStartedAt = now, AttemptToken = work.Token }
                : null, cancellationToken);
        if (claimed is null || !changed)
        {
            return; // another work item claimed it first
        }

        SendReceipt receipt;
        try
        {
            receipt = await sender.SendAsync(tenant, outbound, cancellationToken);
        }
        catch (ChannelSendException ex) when (ex.IsRetryable && work.Attempt < options.Value.MaxAttempts)
        {
            await RetryLaterAsync(work, at, ex, cancellationToken);
            return;
        }
        catch (ChannelSendException ex)
        {
            await RecordAnswerAsync(work, ex, cancellationToken);
            await FailAsync(work, at, ex.Error, m => m.AttemptToken == work.Token, cancellationToken, ex.IsRetryable ? $"Gave up after {work.Attempt} attempts." : null);
            return;
        }
        catch (SendOutcomeUnknownException ex)
        {
            await MarkOutcomeUnknownAsync(work, at, ex.Message, cancellationToken);
            return;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // Nothing was sent: the provider's request could not be made from this message.
            await FailAsync(work, at, new ProviderError("invalid", ex.Message, FailureReason.InvalidRequest), m => m.AttemptToken == work.Token, cancellationToken);
            return;
        }
        await RecordSentAsync(work, at, tenant, claimed, receipt, cancellationToken);
    }

    /// <summary>Neither sent (a provider id), failed, nor waiting for a callback to say what happened.</summary>
    private static bool IsUnsettled(ConversationMessage m) =>
        m.Status == DeliveryStatus.Queued && !m.OutcomeUnknown && m.ProviderMessageId is null;

    /// <summary>The care window and consent, decided again now (the message may have waited).</summary>
    private async Task<ProviderError?> RefusalAsync(string tenantId, ConversationMessage message, Conversation conversation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (conversation.Status == ConversationStatus.Closed)
        {
            return new ProviderError("conversation_closed", "The conversation was closed before the message went out.", FailureReason.InvalidRequest);
        }
        if (message.Kind != MessageKind.Template && !conversation.Window.IsOpenAt(now))
        {
            return new ProviderError(SendRules.CareWindowClosed, SendRules.WindowClosedText(conversation.Window), FailureReason.OutsideCareWindow);
        }
        if (SendRules.ConsentPurpose(message.Purpose) is { } purpose
            && await contacts.FindAsync(tenantId, conversation.ContactPhone, cancellationToken) is var contact
            && SendRules.ConsentRefusal(contact, purpose) is { } consent)
        {
            return new ProviderError(consent.Code, consent.Text, FailureReason.RecipientOptedOut);
        }
        return null;
    }

    /// <returns>True when the message was put back for its slot.</returns>
    private async Task<bool> PaceAsync(SendWork work, string phone, CancellationToken cancellationToken)
    {
        var slot = await pacing.ReserveAsync(work.Tenant, phone, cancellationToken);
        var now = time.GetUtcNow();
        if (slot <= now)
        {
            return false;
        }
        await messages.EnqueueAsync(SendWork.For(work.Tenant, work.MessageId, work.Attempt) with { NotBefore = slot }, slot - now, cancellationToken);
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Deferred(slot),
            new TraceEntry(now, TraceEntry.Steps.Deferred, $"Paced: the recipient had recent messages; sending at {slot:O}."), cancellationToken);
        return true;
    }

    private OutboundMessage ToOutbound(Tenant tenant, Conversation conversation, ConversationMessage message) => new(conversation.ContactPhone, message.Kind)
    {
        Text = message.Text,
        Media = message.Media.FirstOrDefault(),
        Location = message.Location,
        Template = message.Template,
        Interactive = message.Interactive,
        Reaction = message.Reaction,
        ClientReference = message.Id,
        // Twilio posts statuses where each message says; our id in the URL finds the message even before its SID is known.
        StatusCallback = tenant.Provider.Type == ProviderSettings.TwilioType && tenant.PublicBaseUrl is { } baseUrl
            ? new Uri($"{baseUrl.TrimEnd('/')}/api/webhooks/twilio/{tenant.Id}?{Channels.Twilio.TwilioWebhookParser.ClientReferenceParameter}={message.Id}")
            : null,
    };

    private async Task RecordSentAsync(SendWork work, MessageLocation at, Tenant tenant, ConversationMessage claimed, SendReceipt receipt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The index first: once the row says "sent", callbacks without our id must find it.
        await messages.IndexProviderIdAsync(work.Tenant, tenant.Provider.Type, receipt.ProviderMessageId,
            at, claimed.Id, cancellationToken);
        // A receipt is a definite answer: it applies even if a status callback got here first.
        var (sent, _) = await messages.UpdateAtAsync(work.Tenant, at, m =>
            m.WithStatus(receipt.Status, now, receipt.Error) with
            {
                AttemptStartedAt = null,
                OutcomeUnknown = false,
                Provider = tenant.Provider.Type,
                ProviderMessageId = receipt.ProviderMessageId,
            }, cancellationToken);
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Attempt(work.Attempt, "answer"),
            new TraceEntry(now, TraceEntry.Steps.Answer, receipt.Error is { } error
                ? $"Accepted as {receipt.ProviderMessageId} and already {receipt.Status.ToString().ToLowerInvariant()}: {error.Reason} ({error.Code}) {error.Message}"
                : $"Accepted as {receipt.ProviderMessageId} ({receipt.Status.ToString().ToLowerInvariant()}).")
            {
                Attempt = work.Attempt,
                Status = receipt.Status,
                ProviderCode = receipt.Error?.Code,
            }, cancellationToken);
        if (sent?.Status is not (null or DeliveryStatus.Failed))
        {
            await conversations.RecordBusinessMessageSentAsync(work.Tenant, claimed.ConversationId, now, cancellationToken);
        }
        logger.LogInformation("Message {MessageId} accepted by {Provider} as {ProviderMessageId} ({Status})",
            work.MessageId, tenant.Provider.Type, receipt.ProviderMessageId, sent?.Status ?? receipt.Status);
    }

    private async Task RetryLaterAsync(SendWork work, MessageLocation at, ChannelSendException ex, CancellationToken cancellationToken)
    {
        var delay = RetryDelay(work.Attempt, ex.RetryAfter);
        // The decision first, then the next work item: if the worker stops in between, this work
        // item comes back, finds its attempt answered "try again" and queues the next one.
        await messages.UpdateAtAsync(work.Tenant, at, m => m.AttemptToken == work.Token && m.AttemptStartedAt is not null
            ? m with { AttemptStartedAt = null, OutcomeUnknown = false, NextAttemptAt = time.GetUtcNow() + delay }
            : null, cancellationToken);
        await RecordAnswerAsync(work, ex, cancellationToken);
        await messages.EnqueueAsync(SendWork.For(work.Tenant, work.MessageId, work.Attempt + 1), delay, cancellationToken);
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Attempt(work.Attempt, "retry"),
            new TraceEntry(time.GetUtcNow(), TraceEntry.Steps.RetryScheduled,
                $"Attempt {work.Attempt + 1} in {delay.TotalSeconds:0.#} s{(ex.RetryAfter is null ? "" : " (the provider's Retry-After)")}.") { Attempt = work.Attempt + 1 }, cancellationToken);
        logger.LogInformation("Message {MessageId}: {Reason} ({Code}); attempt {Next} in {Delay}", work.MessageId, ex.Error.Reason, ex.Error.Code, work.Attempt + 1, delay);
    }

    /// <summary>The provider's Retry-After when it gave one (within our cap), else a doubling back-off with jitter.</summary>
    private TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var o = options.Value;
        if (retryAfter is { } given && given > TimeSpan.Zero)
        {
            return given < o.RetryMaxDelay ? given : o.RetryMaxDelay;
        }
        var backoff = o.RetryBaseDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        var jittered = backoff * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return jittered < o.RetryMaxDelay ? jittered : o.RetryMaxDelay;
    }

    private Task RecordAnswerAsync(SendWork work, ChannelSendException ex, CancellationToken cancellationToken) =>
        trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Attempt(work.Attempt, "answer"),
            new TraceEntry(time.GetUtcNow(), TraceEntry.Steps.Answer, $"Refused: {ex.Error.Reason} ({ex.Error.Code}) {ex.Error.Message}")
            {
                Attempt = work.Attempt,
                HttpStatus = ex.HttpStatus == 0 ? null : ex.HttpStatus,
                ProviderCode = ex.Error.Code,
            }, cancellationToken);

    /// <summary>Fails the message for a reason found before any request, unless another work item has claimed it since.</summary>
    private Task FailBeforeRequestAsync(SendWork work, MessageLocation at, ProviderError error, CancellationToken cancellationToken) =>
        FailAsync(work, at, error, m => IsUnsettled(m) && m.AttemptStartedAt is null && m.Attempts == work.Attempt - 1, cancellationToken);

    private async Task FailAsync(SendWork work, MessageLocation at, ProviderError error, Func<ConversationMessage, bool> applies, CancellationToken cancellationToken, string? note = null)
    {
        var now = time.GetUtcNow();
        var (failed, changed) = await messages.UpdateAtAsync(work.Tenant, at, m => applies(m)
            ? m.WithStatus(DeliveryStatus.Failed, now, error) with { AttemptStartedAt = null, OutcomeUnknown = false }
            : null, cancellationToken);
        if (!changed || failed is null)
        {
            return;
        }
        // A refusal at send time is a status change too; the key matches a failed callback's, so the two publish one event.
        await events.PublishAsync(work.Tenant, EventTypes.MessageStatus,
            new MessageStatusData(failed.ConversationId, failed.Id, DeliveryStatus.Failed, now, error, MessageView.Of(failed)),
            idempotencyKey: $"{failed.Id}:{DeliveryStatus.Failed}", cancellationToken);
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Failed,
            new TraceEntry(now, TraceEntry.Steps.Failed, $"{error.Reason} ({error.Code}): {error.Message}{(note is null ? "" : " " + note)}")
            {
                Status = DeliveryStatus.Failed,
                ProviderCode = error.Code,
            }, cancellationToken);
        logger.LogInformation("Message {MessageId} failed: {Reason} ({Code})", work.MessageId, error.Reason, error.Code);
    }

    private async Task MarkOutcomeUnknownAsync(SendWork work, MessageLocation at, string why, CancellationToken cancellationToken)
    {
        await messages.UpdateAtAsync(work.Tenant, at, m => m.AttemptToken == work.Token && m.Status == DeliveryStatus.Queued && m.ProviderMessageId is null
            ? m with { OutcomeUnknown = true, AttemptStartedAt = null }
            : null, cancellationToken);
        await trace.RecordAsync(work.Tenant, work.MessageId, TraceKeys.Attempt(work.Attempt, "unknown"),
            new TraceEntry(time.GetUtcNow(), TraceEntry.Steps.OutcomeUnknown, why) { Attempt = work.Attempt }, cancellationToken);
        logger.LogWarning("Message {MessageId}: outcome of attempt {Attempt} unknown; waiting for the status callback", work.MessageId, work.Attempt);
    }
}
