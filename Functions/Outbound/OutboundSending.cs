using Functions.Channels;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Templates;
using Functions.Tenants;

namespace Functions.Outbound;

/// <summary>How a send was refused: a problem body's parts, so the API answers it and a scheduled reply records it.</summary>
public sealed record SendRefusal(int Status, string Title, string? Detail, string? Code = null)
{
    /// <summary>Invalid fields (field → reasons); with <see cref="IsValidation"/> the answer is a plain 400 validation problem.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    public bool IsValidation { get; init; }

    /// <summary>When the care window closed (a <c>care_window_closed</c> refusal); null if the customer never wrote.</summary>
    public DateTimeOffset? WindowClosedAt { get; init; }

    public static SendRefusal Invalid(IReadOnlyDictionary<string, string[]> errors, string title) =>
        new(StatusCodes.Status400BadRequest, title, null) { Errors = errors, IsValidation = true };
}

/// <summary>Either the message accepted (or replayed) for sending, or why not.</summary>
public sealed record SendOutcome(Accepted? Accepted, SendRefusal? Refusal)
{
    public static implicit operator SendOutcome(SendRefusal refusal) => new(null, refusal);
}

/// <summary>
/// The send checks shared by <c>POST /api/messages</c>, <c>POST /api/conversations/{id}/messages</c>
/// and scheduled replies: validate, replay an Idempotency-Key, check the provider, the care
/// window and consent, then store and queue. Nothing is written before every check has passed.
/// </summary>
public sealed class OutboundSending(ContactBook contacts, ConversationStore conversations, OutboundMessages messages, TemplateSending templates, TimeProvider time)
{
    public const string ConversationClosed = "conversation_closed";

    /// <summary>
    /// A send in conversation <paramref name="conversationId"/> (to its contact): 404 if the tenant
    /// has no such conversation, 409 <c>conversation_closed</c> if it is closed, else the shared path.
    /// <paramref name="errors"/> may already hold the caller's own problems (reported with the validation).
    /// </summary>
    public async Task<SendOutcome> SendInConversationAsync(
        Tenant tenant, string conversationId, SendRequest request, Dictionary<string, string[]> errors, string? idempotencyKey, string requestHash,
        CancellationToken cancellationToken)
    {
        if (await conversations.GetAsync(tenant.Id, conversationId, cancellationToken) is not { } conversation)
        {
            return new SendRefusal(StatusCodes.Status404NotFound, "No such conversation.", "This tenant has no conversation with that id.");
        }
        if (conversation.Status == ConversationStatus.Closed)
        {
            return new SendRefusal(StatusCodes.Status409Conflict, "The conversation is closed.",
                "A closed conversation takes no more messages. Send to the phone number (POST /api/messages) to start a new one.", ConversationClosed);
        }
        return await SendAsync(tenant, request, errors, idempotencyKey, requestHash,
            () => Task.FromResult<(Conversation?, string)>((conversation, conversation.ContactPhone)), cancellationToken);
    }

    /// <summary>
    /// The shared path. <paramref name="target"/> gives the conversation (null: none open yet) and
    /// the phone once the request is valid; <paramref name="requestHash"/> stands for the request
    /// as the caller made it, so a repeat of an Idempotency-Key with another request is told apart.
    /// </summary>
    public async Task<SendOutcome> SendAsync(
        Tenant tenant, SendRequest request, Dictionary<string, string[]> errors, string? idempotencyKey, string requestHash,
        Func<Task<(Conversation? Conversation, string Phone)>> target, CancellationToken cancellationToken)
    {
        var content = SendRequestValidation.Validate(request, tenant, errors);
        if (errors.Count > 0 || content is null) return SendRefusal.Invalid(errors, "The message is not valid.");

        var (conversation, phone) = await target();
        var now = time.GetUtcNow();
        var contact = await contacts.FindAsync(tenant.Id, phone, cancellationToken);
        var outbound = content.Message with { To = phone };
        var (purposeOf, text) = (content.Purpose, outbound.Text);
        if (content.Template is { } choice)
        {
            // Only an approved template, in the contact's language, with parameters that fit it.
            var (prepared, problem) = await templates.PrepareAsync(tenant, choice.Name, choice.Language, contact?.Language, choice.Parameters, choice.HeaderMedia, cancellationToken);
            if (problem is not null)
            {
                return new SendRefusal(problem.Status, problem.Title, problem.Detail) { Errors = problem.Errors };
            }
            outbound = outbound with { Template = prepared!.Content };
            (purposeOf, text) = (prepared.Purpose, prepared.Text);
        }
        var draft = new ConversationMessage(ConversationMessage.NewId(now), conversation?.Id ?? "", MessageDirection.Outbound, outbound.Kind, now, DeliveryStatus.Queued)
        {
            Text = text,
            Media = outbound.Media is null ? [] : [outbound.Media],
            Location = outbound.Location,
            Template = outbound.Template,
            Interactive = outbound.Interactive,
            Purpose = purposeOf,
        };
        // Resolved before a replay, so a repeat that finishes a half-done request carries it too.
        if (outbound.Kind == MessageKind.Reaction)
        {
            var reaction = request.Reaction!;
            var reacted = conversation is null ? null : await messages.FindAsync(tenant.Id, reaction.MessageId!, cancellationToken);
            if (reacted is null || reacted.Message.ConversationId != conversation!.Id || reacted.Message.ProviderMessageId is null)
            {
                return SendRefusal.Invalid(new Dictionary<string, string[]>
                {
                    ["reaction.messageId"] = ["No message with that id in this conversation has reached WhatsApp yet, so there is nothing to react to."],
                }, "The message is not valid.");
            }
            draft = draft with
            {
                Reaction = outbound.Reaction! with { MessageId = reacted.Message.ProviderMessageId },
                ContextMessageId = reacted.Message.Id,
            };
        }

        if (idempotencyKey is not null && await messages.TryReplayAsync(tenant.Id, idempotencyKey, draft, requestHash, cancellationToken) is { } replayed)
        {
            return new SendOutcome(replayed, null);
        }

        if (ChannelSender.Refusal(tenant, outbound) is { } refusal)
        {
            return SendRefusal.Invalid(new Dictionary<string, string[]> { ["type"] = [refusal] },
                $"The tenant's provider ({tenant.Provider.Type}) cannot send this message.");
        }
        if (outbound.Kind != MessageKind.Template && conversation?.Window.IsOpenAt(now) != true)
        {
            return new SendRefusal(StatusCodes.Status409Conflict, "The customer care window is closed; a template is needed.",
                SendRules.WindowClosedText(conversation?.Window ?? new CareWindow()), SendRules.CareWindowClosed)
            {
                WindowClosedAt = conversation?.Window.ExpiresAt,
            };
        }
        if (SendRules.ConsentPurpose(purposeOf) is { } purpose && SendRules.ConsentRefusal(contact, purpose) is { } consent)
        {
            return new SendRefusal(StatusCodes.Status409Conflict, "The contact's consent does not allow this message.", consent.Text, consent.Code);
        }
        // A template may start a conversation; every other message needed an open one to pass the window check.
        conversation ??= (await conversations.OpenForAsync(tenant.Id, ProviderAccounts.SenderId(tenant.Provider), phone, cancellationToken)).Conversation;
        draft = draft with { ConversationId = conversation.Id };
        return new SendOutcome(await messages.AcceptAsync(tenant.Id, draft, idempotencyKey, requestHash, cancellationToken), null);
    }
}
