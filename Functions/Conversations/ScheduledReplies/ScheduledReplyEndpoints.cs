using System.Globalization;
using System.Security.Claims;
using Functions.Channels;
using Functions.Contacts;
using Functions.Hosting;
using Functions.Storage;
using Functions.Outbound;
using Functions.Templates;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Conversations.ScheduledReplies;

/// <summary>
/// A reply to schedule: <c>sendAt</c> (ISO 8601 with an offset, in the future, at most 30 days
/// ahead) and the message as <c>POST /api/conversations/{id}/messages</c> takes it (any type but
/// a reaction).
/// </summary>
public sealed record ScheduledReplyRequest(
    string? SendAt, string? To, string? Type, string? Text, MediaRequest? Media, LocationRequest? Location,
    TemplateSendRequest? Template, InteractiveRequest? Interactive, ReactionRequest? Reaction)
{
    public SendRequest Message => new(null, Type, Text, Media, Location, Template, Interactive, Reaction);
}

/// <summary>Something that will stop the reply unless it changes by then (the customer writing again, say); the reply is scheduled anyway.</summary>
public sealed record ScheduledReplyWarning(string Code, string Detail, DateTimeOffset? WindowExpiresAt = null);

/// <summary>A scheduled reply as the API shows it; <see cref="Warnings"/> only in the answer that scheduled it.</summary>
public sealed record ScheduledReplyView(
    string Id, string ConversationId, ScheduledReplyStatus Status, DateTimeOffset SendAt, SendRequest Message, DateTimeOffset CreatedAt, string CreatedBy,
    string? MessageId, DateTimeOffset? SentAt, ScheduledReplyRefusal? Refusal, DateTimeOffset? RefusedAt, DateTimeOffset? CancelledAt, string? CancelledBy,
    IReadOnlyList<ScheduledReplyWarning>? Warnings = null)
{
    public static ScheduledReplyView Of(ScheduledReply r, IReadOnlyList<ScheduledReplyWarning>? warnings = null) => new(
        r.Id, r.ConversationId, r.Status, r.SendAt, r.Message, r.CreatedAt, r.CreatedBy,
        r.MessageId, r.SentAt, r.Refusal, r.RefusedAt, r.CancelledAt, r.CancelledBy, warnings);
}

public sealed record ScheduledReplyPage(IReadOnlyList<ScheduledReplyView> Items, string? ContinuationToken);

/// <summary>Replies scheduled for later in a conversation: schedule, list, read, cancel (admins and agents).</summary>
public static class ScheduledReplyEndpoints
{
    public const string NotPending = "scheduled_reply_not_pending";

    public static IHostApplicationBuilder AddScheduledReplies(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(ScheduledReply.Table);
        builder.Services.AddSingleton<ScheduledReplyStore>();
        builder.Services.AddScoped<SendScheduledReplyHandler>();
        builder.GetFunctionCatalog()
            .AddHttp("ScheduleReply", "POST", "conversations/{conversationId}/scheduled-replies", ScheduleAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListScheduledReplies", "GET", "conversations/{conversationId}/scheduled-replies", ListAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetScheduledReply", "GET", "conversations/{conversationId}/scheduled-replies/{replyId}", GetAsync, TenantAccess.AdminOrAgent)
            .AddHttp("CancelScheduledReply", "POST", "conversations/{conversationId}/scheduled-replies/{replyId}/cancel", CancelAsync, TenantAccess.AdminOrAgent)
            .AddQueue<SendScheduledReplyHandler>("SendScheduledReply", ScheduledReplyStore.Queue);
        return builder;
    }

    public sealed record ScheduleServices(
        ClaimsPrincipal User, TenantDirectory Tenants, ConversationStore Conversations, ContactBook Contacts, TemplateSending Templates,
        ScheduledReplyStore Replies, TimeProvider Time);

    public static async Task<IResult> ScheduleAsync(
        string conversationId, ScheduledReplyRequest request, [AsParameters] ScheduleServices s, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is not { } tenant
            || await s.Conversations.GetAsync(tenant.Id, conversationId, cancellationToken) is not { } conversation)
        {
            return ConversationNotFound();
        }
        if (conversation.Status == ConversationStatus.Closed)
        {
            return Refused(StatusCodes.Status409Conflict, OutboundSending.ConversationClosed, "The conversation is closed.",
                "A closed conversation takes no more messages, so a reply scheduled in it could never be sent.");
        }

        var now = s.Time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var sendAt = SendAt(request.SendAt, now, errors);
        if (request.To is not null) errors["to"] = ["A scheduled reply goes to the conversation's contact; leave 'to' out."];
        var message = request.Message;
        SendContent? content = null;
        if (message.Type == "reaction") errors["type"] = ["A reaction is sent at once (POST /api/conversations/{id}/messages), not scheduled."];
        else content = SendRequestValidation.Validate(message, tenant, errors);
        if (errors.Count == 0 && ScheduledReply.MessageJson(message).Length > ScheduledReply.MaxMessageJsonLength)
        {
            errors[message.Type == "template" ? "template.parameters" : "text"] = [$"A scheduled reply's message is at most {ScheduledReply.MaxMessageJsonLength:N0} characters as JSON."];
        }
        if (errors.Count > 0 || content is null) return TypedResults.ValidationProblem(errors, title: "The scheduled reply is not valid.");

        var contact = await s.Contacts.FindAsync(tenant.Id, conversation.ContactPhone, cancellationToken);
        var outbound = content.Message with { To = conversation.ContactPhone };
        if (content.Template is { } choice)
        {
            // A template that is missing, or parameters that do not fit it, will not work later either.
            var (prepared, problem) = await s.Templates.PrepareAsync(tenant, choice.Name, choice.Language, contact?.Language, choice.Parameters, choice.HeaderMedia, cancellationToken);
            if (problem is not null) return OutboundEndpoints.Problem(new SendRefusal(problem.Status, problem.Title, problem.Detail) { Errors = problem.Errors });
            outbound = outbound with { Template = prepared!.Content };
        }
        if (ChannelSender.Refusal(tenant, outbound) is { } unsupported)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["type"] = [unsupported] },
                title: $"The tenant's provider ({tenant.Provider.Type}) cannot send this message.");
        }
        if (await s.Replies.CountPendingAsync(tenant.Id, conversation.Id, cancellationToken) >= ScheduledReply.MaxPendingPerConversation)
        {
            return Refused(StatusCodes.Status409Conflict, "too_many_scheduled_replies", "Too many scheduled replies.",
                $"A conversation holds at most {ScheduledReply.MaxPendingPerConversation} scheduled replies at once; cancel one or wait until one is sent.");
        }

        var reply = new ScheduledReply(ScheduledReply.NewId(now), conversation.Id, message, sendAt!.Value, ScheduledReplyStatus.Scheduled, now,
            s.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "");
        reply = await s.Replies.CreateAsync(tenant.Id, reply, cancellationToken);
        return TypedResults.Created($"/api/conversations/{conversation.Id}/scheduled-replies/{reply.Id}",
            ScheduledReplyView.Of(reply, Warnings(reply, conversation, contact)));
    }

    public static async Task<Results<Ok<ScheduledReplyPage>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string conversationId, ClaimsPrincipal user, ConversationStore conversations, ScheduledReplyStore replies, CancellationToken cancellationToken,
        string? status = null, int? pageSize = null, string? continuationToken = null)
    {
        var errors = new Dictionary<string, string[]>();
        ScheduledReplyStatus? wanted = null;
        if (status is not null)
        {
            if (Enum.TryParse<ScheduledReplyStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _)) wanted = parsed;
            else errors["status"] = ["The status is scheduled, sending, sent, refused or cancelled."];
        }
        if (pageSize is < 1 or > 100) errors["pageSize"] = ["Page size is 1 to 100."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        try
        {
            var (items, next) = await replies.ListAsync(user.TenantId(), conversationId, wanted, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new ScheduledReplyPage([.. items.Select(r => ScheduledReplyView.Of(r))], next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    public static async Task<Results<Ok<ScheduledReplyView>, ProblemHttpResult>> GetAsync(
        string conversationId, string replyId, ClaimsPrincipal user, ConversationStore conversations, ScheduledReplyStore replies, CancellationToken cancellationToken)
    {
        if (await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        return await replies.GetAsync(user.TenantId(), conversationId, replyId, cancellationToken) is { } reply
            ? TypedResults.Ok(ScheduledReplyView.Of(reply))
            : ReplyNotFound();
    }

    /// <summary>Cancels a waiting reply (again: the same answer). Once its time came it is being sent or finished: 409 with its status.</summary>
    public static async Task<Results<Ok<ScheduledReplyView>, ProblemHttpResult>> CancelAsync(
        string conversationId, string replyId, ClaimsPrincipal user, ConversationStore conversations, ScheduledReplyStore replies, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        var keyId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        var (reply, _) = await replies.ChangeAsync(user.TenantId(), conversationId, replyId, r => r.Status == ScheduledReplyStatus.Scheduled
            ? r with { Status = ScheduledReplyStatus.Cancelled, CancelledAt = time.GetUtcNow(), CancelledBy = keyId }
            : null, cancellationToken);
        return reply switch
        {
            null => ReplyNotFound(),
            { Status: ScheduledReplyStatus.Cancelled } => TypedResults.Ok(ScheduledReplyView.Of(reply)),
            _ => Refused(StatusCodes.Status409Conflict, NotPending, "The reply is no longer waiting.",
                $"The reply is {reply.Status.ToString().ToLowerInvariant()}: its time came, so it can no longer be cancelled.",
                ("status", reply.Status.ToString().ToLowerInvariant()), ("messageId", reply.MessageId)),
        };
    }

    private static DateTimeOffset? SendAt(string? value, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            errors["sendAt"] = ["When to send it is required: an ISO 8601 time with an offset, such as 2026-11-23T09:00:00Z."];
            return null;
        }
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) || !HasOffset(value))
        {
            errors["sendAt"] = ["The time is ISO 8601 with an offset (Z or +01:00), such as 2026-11-23T09:00:00Z."];
            return null;
        }
        if (at <= now) errors["sendAt"] = ["The time is in the past; a reply is scheduled for later (send it now with POST /api/conversations/{id}/messages)."];
        else if (at > now + ScheduledReply.MaxAhead) errors["sendAt"] = [$"A reply is scheduled at most {ScheduledReply.MaxAhead.TotalDays:N0} days ahead."];
        return at.ToUniversalTime();
    }

    private static bool HasOffset(string value)
    {
        var time = value.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return time > 0 && (value.EndsWith('Z') || value.EndsWith('z') || value.IndexOfAny(['+', '-'], time) > 0);
    }

    /// <summary>What would stop the reply if nothing changed until its time; it is scheduled anyway, since the customer may write again.</summary>
    private static List<ScheduledReplyWarning> Warnings(ScheduledReply reply, Conversation conversation, Contact? contact)
    {
        var warnings = new List<ScheduledReplyWarning>();
        if (reply.Message.Type != "template" && !conversation.Window.IsOpenAt(reply.SendAt))
        {
            warnings.Add(new(SendRules.CareWindowClosed, conversation.Window.ExpiresAt is { } expires
                ? $"The care window closes at {expires:yyyy-MM-dd HH:mm:ss} UTC, before this reply's time: it will be refused then unless the customer writes again meanwhile."
                : "The customer has not written in this conversation, so no care window is open: the reply will be refused unless the customer writes before its time.",
                conversation.Window.ExpiresAt));
        }
        if (reply.Message.Type != "template" && contact?.Utility == ConsentState.OptedOut)
        {
            warnings.Add(new(SendRules.OptedOut, "The contact has opted out: the reply will be refused unless they opt back in before its time."));
        }
        return warnings;
    }

    private static ProblemHttpResult Refused(int status, string code, string title, string detail, params (string Name, object? Value)[] extra)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (name, value) in extra) extensions[name] = value;
        return TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }

    private static ProblemHttpResult ConversationNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such conversation.", detail: "This tenant has no conversation with that id.");

    private static ProblemHttpResult ReplyNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such scheduled reply.", detail: "This conversation has no scheduled reply with that id.");
}
