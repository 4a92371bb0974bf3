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
    /// <summary>The contact's name as the inbox shows it (their profile name, or the tenant's name for them when opened).</summary>
    public string? ContactName { get; init; }

    public DateTimeOffset? LastMessageAt { get; init; }

    /// <summary>The agent it is assigned to (the name is null for an agent removed since); null when unassigned.</summary>
    public AgentRef? AssignedAgent { get; init; }

    /// <summary>Its tags still in the catalog, with their current names and colours.</summary>
    public IReadOnlyList<TagView> Tags { get; init; } = [];

    public ServiceRequestLink? ServiceRequest { get; init; }

    /// <summary>Detail only: the contact as the contact book holds it (null if there is no contact row).</summary>
    public Contacts.Contact? Contact { get; init; }

    /// <summary>Detail only: the newest messages; page on with <c>GET …/messages?continuationToken=</c>.</summary>
    public MessagePage? Messages { get; init; }

    public static ConversationView Of(Conversation c, DateTimeOffset now) => Of(c, now, InboxNames.Empty);

    public static ConversationView Of(Conversation c, DateTimeOffset now, InboxNames names) => new(
        c.Id, c.ContactPhone, c.Sender, c.Status, c.CreatedOn, c.LastActivityOn, c.LastMessagePreview, c.UnreadCount, WindowView.Of(c.Window, now))
    {
        ContactName = c.ContactName,
        LastMessageAt = c.LastMessageAt,
        AssignedAgent = c.AssignedAgentId is { } agent ? new AgentRef(agent, names.Agents.GetValueOrDefault(agent)?.Name) : null,
        Tags = [.. c.Tags.Select(t => names.Tags.GetValueOrDefault(t)).OfType<InboxTag>().Select(t => new TagView(t.Id, t.Name, t.Color))],
        ServiceRequest = c.ServiceRequest,
    };
}

public sealed record AgentRef(string Id, string? Name);

public sealed record TagView(string Id, string Name, string Color);

/// <summary>The tenant's agents and tags by id, read once per request to name what conversations hold by id.</summary>
public sealed record InboxNames(IReadOnlyDictionary<string, InboxAgent> Agents, IReadOnlyDictionary<string, InboxTag> Tags)
{
    public static readonly InboxNames Empty = new(new Dictionary<string, InboxAgent>(), new Dictionary<string, InboxTag>());

    public static async Task<InboxNames> LoadAsync(InboxCatalog catalog, string tenantId, CancellationToken cancellationToken) => new(
        (await catalog.ListAgentsAsync(tenantId, cancellationToken)).ToDictionary(a => a.Id, StringComparer.Ordinal),
        (await catalog.ListTagsAsync(tenantId, cancellationToken)).ToDictionary(t => t.Id, StringComparer.Ordinal));
}

/// <summary>A page of the inbox list; only a null token means the end (a page can be short, even empty, and still have one).</summary>
public sealed record ConversationPage(IReadOnlyList<ConversationView> Items, string? ContinuationToken);

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
