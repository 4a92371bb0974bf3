using System.Text.Json;
using Functions.Contacts;
using Functions.Hosting;
using Functions.Outbound;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Conversations.ScheduledReplies;

/// <summary>
/// A scheduled reply's timer fired. When the reply is due and still waiting, it is claimed
/// (Scheduled → Sending: from then on it cannot be cancelled) and sent through the outbound path
/// with an Idempotency-Key of its own, then marked Sent with the message id, or Refused with the
/// reason the path gave (care window closed, conversation closed, opted out, …). Every step is
/// safe to repeat: a redelivered timer finds the reply finished, or finishes the same send. The
/// queue's last try never fails (the poison queue would leave the reply Sending for good): with a
/// message under way it sets a new timer, with none it refuses the reply as <see cref="SendFailed"/>.
/// </summary>
public sealed class SendScheduledReplyHandler(
    ScheduledReplyStore replies, TenantDirectory tenants, ConversationStore conversations, ContactBook contacts,
    OutboundMessages messages, OutboundSending sending, MessageTrace trace, IOptions<QueueRunnerOptions> queueOptions, TimeProvider time,
    ILogger<SendScheduledReplyHandler> logger)
    : IQueueFunctionHandler
{
    /// <summary>The template is no longer approved in that language (paused, say), or its parameters no longer fit it.</summary>
    public const string TemplateUnavailable = "template_unavailable";

    /// <summary>Every try of the timer failed before any message was made (storage trouble, say): nothing was sent.</summary>
    public const string SendFailed = "send_failed";

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var due = JsonSerializer.Deserialize<ScheduledReplyDue>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The scheduled-reply timer message is empty.");
        var reply = await replies.GetAsync(due.Tenant, due.ConversationId, due.ReplyId, cancellationToken);
        if (reply is null || reply.Status is not (ScheduledReplyStatus.Scheduled or ScheduledReplyStatus.Sending))
        {
            return; // finished, cancelled or gone
        }
        if (reply.Status == ScheduledReplyStatus.Scheduled)
        {
            if (time.GetUtcNow() < reply.SendAt)
            {
                // Early: a delay is at most 7 days (or clocks differ). Wait for the rest.
                await replies.ScheduleTimerAsync(due, reply.SendAt, cancellationToken);
                return;
            }
            (reply, _) = await replies.ChangeAsync(due.Tenant, due.ConversationId, due.ReplyId,
                r => r.Status == ScheduledReplyStatus.Scheduled ? r with { Status = ScheduledReplyStatus.Sending } : null, cancellationToken);
            if (reply?.Status != ScheduledReplyStatus.Sending)
            {
                return; // cancelled just before its time
            }
        }

        (string? MessageId, ScheduledReplyRefusal? Refusal) outcome;
        try
        {
            outcome = await SendAsync(due.Tenant, reply, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && invocation.DequeueCount >= queueOptions.Value.MaxDequeueCount)
        {
            if (await messages.FindByKeyAsync(due.Tenant, reply.IdempotencyKey, cancellationToken) is not null)
            {
                // A message is claimed for it: once that claim has aged, the outbound path finishes that one message.
                logger.LogWarning(ex, "Scheduled reply {ReplyId} of tenant {Tenant}: its message is not accepted yet; trying again later.", reply.Id, due.Tenant);
                await replies.ScheduleTimerAsync(due, time.GetUtcNow() + OutboundMessages.InProgressFor, cancellationToken);
                return;
            }
            logger.LogError(ex, "Scheduled reply {ReplyId} of tenant {Tenant} could not be sent.", reply.Id, due.Tenant);
            outcome = (null, new(SendFailed, "The reply could not be sent at its time; nothing was sent. Schedule it again."));
        }
        var now = time.GetUtcNow();
        await replies.ChangeAsync(due.Tenant, due.ConversationId, due.ReplyId, r => r.Status != ScheduledReplyStatus.Sending ? null
            : outcome.MessageId is { } messageId ? r with { Status = ScheduledReplyStatus.Sent, MessageId = messageId, SentAt = now }
            : r with { Status = ScheduledReplyStatus.Refused, Refusal = outcome.Refusal, RefusedAt = now }, cancellationToken);
        logger.LogInformation("Scheduled reply {ReplyId} in conversation {ConversationId} of tenant {Tenant}: {Outcome}.",
            reply.Id, reply.ConversationId, due.Tenant, outcome.MessageId is not null ? "sent" : outcome.Refusal!.Code);
    }

    private async Task<(string? MessageId, ScheduledReplyRefusal? Refusal)> SendAsync(string tenantId, ScheduledReply reply, CancellationToken cancellationToken)
    {
        if (await tenants.FindAsync(tenantId, cancellationToken) is not { } tenant)
        {
            return (null, new("tenant_gone", "The tenant no longer exists."));
        }
        var key = reply.IdempotencyKey;
        var requestHash = OutboundMessages.Hash("scheduled-reply\n" + reply.Id + "\n" + ScheduledReply.MessageJson(reply.Message));
        var claimed = await messages.FindByKeyAsync(tenant.Id, key, cancellationToken);
        if (claimed?.Message is { } made && await trace.HasAsync(tenant.Id, made.Id, TraceKeys.Queued, cancellationToken))
        {
            return (made.Id, null); // sent by an earlier delivery that stopped before recording it
        }
        SendOutcome outcome;
        if (claimed is null)
        {
            // A first try: the reply's own rules, then the same path as an agent's reply now.
            if (await RefusalAsync(tenant.Id, reply, cancellationToken) is { } refusal) return (null, refusal);
            outcome = await sending.SendInConversationAsync(tenant, reply.ConversationId, reply.Message, new(), key, requestHash, cancellationToken);
        }
        else
        {
            // An earlier delivery stopped half way through accepting the message: the same path finds
            // it by the key and finishes it (whatever happened to the conversation since), never a second one.
            var conversation = await conversations.GetAsync(tenant.Id, reply.ConversationId, cancellationToken);
            outcome = await sending.SendAsync(tenant, reply.Message, new(), key, requestHash,
                () => Task.FromResult((conversation, conversation?.ContactPhone ?? "")), cancellationToken);
        }

        if (outcome.Refusal is { } refused)
        {
            var code = refused.Code ?? (reply.Message.Type == "template" ? TemplateUnavailable : refused.Errors is null ? "not_sendable" : "invalid_message");
            return (null, new(code,
                refused.Errors is { } errors ? $"{refused.Title} {string.Join(" ", errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")))}" : $"{refused.Title} {refused.Detail}".Trim(),
                refused.WindowClosedAt));
        }
        var accepted = outcome.Accepted!;
        if (accepted.Message is not { } message || accepted.KeyReusedDifferently
            || !await trace.HasAsync(tenant.Id, message.Id, TraceKeys.Queued, cancellationToken))
        {
            // Another delivery of this timer is accepting it right now (or stopped moments ago): try again shortly.
            throw new InvalidOperationException($"The message of scheduled reply {reply.Id} is still being accepted.");
        }
        return (message.Id, null);
    }

    /// <summary>What only a reply sent later checks: the conversation is still there and open, and the customer did not opt out meanwhile.</summary>
    private async Task<ScheduledReplyRefusal?> RefusalAsync(string tenantId, ScheduledReply reply, CancellationToken cancellationToken)
    {
        if (await conversations.GetAsync(tenantId, reply.ConversationId, cancellationToken) is not { } conversation)
        {
            return new("conversation_not_found", "The conversation no longer exists.");
        }
        if (conversation.Status == ConversationStatus.Closed)
        {
            return new(OutboundSending.ConversationClosed, "The conversation was closed before the reply's time.");
        }
        // A reply typed now answers what the customer just wrote; one sent later must respect a STOP that came since.
        if (reply.Message.Type != "template"
            && await contacts.FindAsync(tenantId, conversation.ContactPhone, cancellationToken) is { Utility: ConsentState.OptedOut })
        {
            return new(SendRules.OptedOut, "The contact opted out of messages before the reply's time.");
        }
        return null;
    }
}
