using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Orders.Tracking;
using Functions.Outbound;
using Functions.Templates;
using Functions.Tenants;

namespace Functions.Orders;

/// <summary>Stable codes for why an event's notification was skipped or not sent.</summary>
public static class NotificationCodes
{
    public const string StatusOff = "statusOff";
    public const string OutOfOrder = "outOfOrder";
    public const string RecipientOptedOut = "recipientOptedOut";
    public const string TemplateMissing = "templateMissing";
    public const string TemplateNotApproved = "templateNotApproved";
    public const string TemplateParameters = "templateParameters";
}

/// <summary>
/// Order events in, customer notifications out: records the event (event id, history row and
/// order in one transaction), then sends its notification once. Every step can be repeated: a
/// repeat of the event (the order system retrying after no answer) finds it recorded and finishes
/// what is left; the message is accepted with an Idempotency-Key made from the event id, so it is
/// never sent twice. The message goes through <see cref="TemplateSending"/> (approved templates
/// only, the contact's language with fallback) and <see cref="OutboundMessages"/> (queued,
/// retried, de-duplicated, status-tracked) into the customer's conversation, where agents see it.
/// </summary>
public sealed class OrderNotifications(
    OrderStore orders,
    OrderSettingsStore settings,
    TemplateSending templates,
    OutboundMessages messages,
    ConversationStore conversations,
    ContactBook contacts,
    OrderTracking tracking,
    TimeProvider time,
    ILogger<OrderNotifications> logger)
{
    /// <summary>Keeps our keys apart from API callers' (theirs cannot contain a space) and from other internal ones.</summary>
    public static string IdempotencyKey(string eventId) => "order " + eventId;

    /// <summary>Records the event and sends its notification (or finishes a repeat's); the event as stored after.</summary>
    public async Task<RecordedEvent> HandleAsync(Tenant tenant, OrderEventInput input, CancellationToken cancellationToken)
    {
        var recorded = await orders.RecordAsync(tenant.Id, input, cancellationToken);
        if (recorded.EventIdReused || recorded.CurrencyConflict || recorded.Event.Outcome != NotificationOutcome.Pending)
        {
            return recorded;
        }
        var notified = await NotifyAsync(tenant, recorded.Order, recorded.Event, cancellationToken);
        return recorded with { Event = notified };
    }

    /// <summary>Sends (or skips, or records why it cannot send) the notification of a recorded, still pending event.</summary>
    public async Task<OrderEvent> NotifyAsync(Tenant tenant, Order order, OrderEvent recorded, CancellationToken cancellationToken)
    {
        var orderSettings = await settings.GetAsync(tenant.Id, cancellationToken);
        var notification = orderSettings.For(recorded.Status);
        if (recorded.OutOfOrder && !orderSettings.NotifyOutOfOrder)
        {
            return await SettleAsync(tenant, recorded, NotificationOutcome.Skipped, NotificationCodes.OutOfOrder,
                $"The event happened before the order's current status ({OrderStatuses.Name(order.Status)} at {order.StatusAt:u}): it is in the history, and sends nothing.", cancellationToken);
        }
        if (!notification.Enabled)
        {
            return await SettleAsync(tenant, recorded, NotificationOutcome.Skipped, NotificationCodes.StatusOff,
                $"Notifications for {OrderStatuses.Name(recorded.Status)} are switched off in the tenant's order settings.", cancellationToken);
        }

        var phone = order.CustomerPhone;
        var contact = await contacts.FindAsync(tenant.Id, phone, cancellationToken);
        if (SendRules.ConsentRefusal(contact, ConsentPurpose.Utility) is { } refusal)
        {
            return await SettleAsync(tenant, recorded, NotificationOutcome.NotSent, NotificationCodes.RecipientOptedOut, refusal.Text, cancellationToken);
        }

        var link = await tracking.LinkAsync(tenant, order.Id, cancellationToken);
        var parameters = DefaultOrderTemplates.Parameters(recorded.Status, order, recorded.Details, link);
        var (prepared, problem) = await templates.PrepareAsync(tenant, notification.Template, null, contact?.Language ?? order.Language, parameters, null, cancellationToken);
        if (problem is not null)
        {
            var code = problem.Status switch
            {
                StatusCodes.Status404NotFound => NotificationCodes.TemplateMissing,
                StatusCodes.Status409Conflict => NotificationCodes.TemplateNotApproved,
                _ => NotificationCodes.TemplateParameters,
            };
            var detail = problem.Errors is { Count: > 0 } errors ? $"{problem.Detail} {string.Join(" ", errors.SelectMany(e => e.Value))}" : problem.Detail;
            logger.LogWarning("Order notification of {Tenant} not sent: template {Template} {Code}", tenant.Id, notification.Template, code);
            return await SettleAsync(tenant, recorded, NotificationOutcome.NotSent, code, $"{problem.Title} {detail}", cancellationToken);
        }

        var (conversation, _) = await conversations.OpenForAsync(tenant.Id, ProviderAccounts.SenderId(tenant.Provider), phone, cancellationToken);
        var now = time.GetUtcNow();
        // Inside the care window the tenant may prefer the same text as a session message (no template charge).
        var asSession = orderSettings.SessionMessageInCareWindow && conversation.Window.IsOpenAt(now);
        var message = new ConversationMessage(ConversationMessage.NewId(now), conversation.Id, MessageDirection.Outbound,
            asSession ? MessageKind.Text : MessageKind.Template, now, DeliveryStatus.Queued)
        {
            Text = prepared!.Text,
            Template = asSession ? null : prepared.Content,
            Purpose = prepared.Purpose,
        };
        var key = IdempotencyKey(recorded.EventId);
        var requestHash = OutboundMessages.Hash(recorded.EventId + "\n" + recorded.RequestHash);
        // A repeat of the event finds the key claimed and gets the first message back (finished if it was left half done).
        var accepted = await messages.AcceptAsync(tenant.Id, message, key, requestHash, cancellationToken);
        if (accepted.Message is not { } sent)
        {
            // A request for the same event is accepting it right now: it records the outcome.
            return recorded;
        }
        return await orders.UpdateEventAsync(tenant.Id, recorded.OrderId, recorded.Sequence, e => e.Outcome == NotificationOutcome.Pending
            ? e with
            {
                Outcome = NotificationOutcome.Sent,
                MessageIds = [sent.Id],
                Template = prepared.Template.Name,
                AsSessionMessage = sent.Kind == MessageKind.Text,
            }
            : null, cancellationToken) ?? recorded;
    }

    private async Task<OrderEvent> SettleAsync(Tenant tenant, OrderEvent recorded, NotificationOutcome outcome, string code, string reason, CancellationToken cancellationToken) =>
        await orders.UpdateEventAsync(tenant.Id, recorded.OrderId, recorded.Sequence,
            e => e.Outcome == NotificationOutcome.Pending ? e with { Outcome = outcome, OutcomeCode = code, OutcomeReason = reason } : null, cancellationToken)
        ?? recorded;
}
