using Functions.Channels;

namespace Functions.Conversations;

/// <summary>A conversation as the API shows it, with its care window at the time of the request.</summary>
public sealed record ConversationView(
    string Id,
    string ContactPhone,
    string Sender,
    ConversationStatus Status,
    DateTimeOffset CreatedOn,
    DateTimeOffset LastActivityOn,
    string? LastMessagePreview,
    int UnreadCount,
    WindowView Window)
{
    public static ConversationView Of(Conversation c, DateTimeOffset now) => new(
        c.Id, c.ContactPhone, c.Sender, c.Status, c.CreatedOn, c.LastActivityOn, c.LastMessagePreview, c.UnreadCount, WindowView.Of(c.Window, now));
}

/// <summary>
/// The care window now: whether free-form messages may be sent, until when, and the seconds
/// left (a countdown a front end can run from the response time); the free entry point as well.
/// </summary>
public sealed record WindowView(
    bool IsOpen,
    DateTimeOffset? ExpiresAt,
    long RemainingSeconds,
    DateTimeOffset? LastCustomerMessageAt,
    bool IsFreeEntryPoint,
    DateTimeOffset? FreeEntryPointExpiresAt)
{
    public static WindowView Of(CareWindow window, DateTimeOffset now)
    {
        var state = window.StateAt(now);
        return new(state.IsOpen, state.ExpiresAt, (long)Math.Floor(state.Remaining.TotalSeconds), window.LastCustomerMessageAt,
            state.IsFreeEntryPoint, state.FreeEntryPointExpiresAt);
    }
}

/// <summary>A message as the API shows it; <see cref="Trace"/> only on the single-message read.</summary>
public sealed record MessageView(
    string Id,
    string ConversationId,
    MessageDirection Direction,
    MessageKind Type,
    DeliveryStatus Status,
    DateTimeOffset At)
{
    public string? Purpose { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<MediaContent>? Media { get; init; }
    public LocationContent? Location { get; init; }
    public IReadOnlyList<SharedContact>? Contacts { get; init; }
    public InteractiveReply? Reply { get; init; }
    public ReactionContent? Reaction { get; init; }
    public TemplateContent? Template { get; init; }
    public InteractiveContent? Interactive { get; init; }
    public string? Provider { get; init; }
    public string? ProviderMessageId { get; init; }
    public string? ContextMessageId { get; init; }
    public MessageTimes Times { get; init; } = new();
    public ProviderError? Error { get; init; }
    public int Attempts { get; init; }
    public bool OutcomeUnknown { get; init; }
    public IReadOnlyList<Outbound.TraceEntry>? Trace { get; init; }

    public static MessageView Of(ConversationMessage m, IReadOnlyList<Outbound.TraceEntry>? trace = null) => new(m.Id, m.ConversationId, m.Direction, m.Kind, m.Status, m.At)
    {
        Purpose = m.Purpose,
        Text = m.Text,
        Media = m.Media.Count == 0 ? null : m.Media,
        Location = m.Location,
        Contacts = m.Contacts.Count == 0 ? null : m.Contacts,
        Reply = m.Reply,
        Reaction = m.Reaction,
        Template = m.Template,
        Interactive = m.Interactive,
        Provider = m.Provider,
        ProviderMessageId = m.ProviderMessageId,
        ContextMessageId = m.ContextMessageId,
        Times = m.Times,
        Error = m.Error,
        Attempts = m.Attempts,
        OutcomeUnknown = m.OutcomeUnknown,
        Trace = trace,
    };
}

public sealed record MessagePage(IReadOnlyList<MessageView> Items, string? ContinuationToken);
