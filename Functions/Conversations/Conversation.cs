using Functions.Storage;

namespace Functions.Conversations;

public enum ConversationStatus
{
    /// <summary>Open, in the inbox.</summary>
    Active,
    /// <summary>Put away by an agent; reopens when the customer writes.</summary>
    Archived,
    /// <summary>Finished for good; the customer's next message starts a new conversation.</summary>
    Closed,
}

/// <summary>
/// One thread between a tenant's sender (its WhatsApp number) and a contact. At most one is
/// open (Active or Archived) per tenant, sender and contact. Rows: table <c>Conversations</c>,
/// PartitionKey = tenant, RowKey <c>c:&lt;id&gt;</c>; the open-conversation pointer
/// <c>o:&lt;sender&gt;:&lt;phone&gt;</c> sits in the same partition, so opening and closing are atomic.
/// </summary>
public sealed record Conversation(
    string Id,
    string ContactPhone,
    string Sender,
    ConversationStatus Status,
    CareWindow Window,
    DateTimeOffset CreatedOn,
    DateTimeOffset LastActivityOn,
    string? LastMessagePreview,
    int UnreadCount)
{
    /// <summary>When the newest message was sent (the provider's time); null before the first.</summary>
    public DateTimeOffset? LastMessageAt { get; init; }

    /// <summary>The agent it is assigned to (an id of <see cref="InboxAgent"/>); null when unassigned.</summary>
    public string? AssignedAgentId { get; init; }

    /// <summary>Tag ids from the tenant's catalog (<see cref="InboxTag"/>); a deleted tag is simply not shown.</summary>
    public IReadOnlyList<string> Tags { get => _tags; init => _tags = value as ValueList<string> ?? new ValueList<string>(value); }

    private readonly ValueList<string> _tags = ValueList<string>.Empty;

    public ServiceRequestLink? ServiceRequest { get; init; }

    /// <summary>
    /// The contact's name as the list shows it, denormalised here (from the customer's WhatsApp
    /// profile name on each message, or set by <see cref="ConversationStore.SetContactNameAsync"/>)
    /// so a list page needs no read per contact.
    /// </summary>
    public string? ContactName { get; init; }

    /// <summary>The newest customer message (by the provider's time): what a read receipt names.</summary>
    public string? LastInboundProvider { get; init; }

    public string? LastInboundProviderMessageId { get; init; }

    /// <summary>The customer message the last read receipt was for (so it is not sent twice), and when.</summary>
    public string? ReadReceiptFor { get; init; }

    public DateTimeOffset? ReadReceiptAt { get; init; }

    /// <summary>The newest change of assignment; null before the first.</summary>
    public AssignmentChange? LastAssignment { get; init; }

    /// <summary>The newest change of status; null before the first.</summary>
    public StatusChange? LastStatusChange { get; init; }

    /// <summary>
    /// How long after a change a retried request that finds it already made publishes its event
    /// again (under the same id, so receivers get it once): the retry of a request that stopped
    /// between the write and the publish. Later, a request that changes nothing is just that.
    /// </summary>
    public static readonly TimeSpan ChangeReplayWindow = TimeSpan.FromMinutes(15);

    /// <summary>The inbox index row that lists this conversation now, and the snapshot bookkeeping (see <see cref="ConversationIndex"/>).</summary>
    internal IndexState Index { get; init; } = IndexState.None;

    public const int MaxTags = 20;

    public const string Table = "Conversations";
    public const int PreviewLength = 100;

    public static string RowKey(string id) => "c:" + id;

    public static string OpenPointerRowKey(string sender, string phone) => $"o:{sender}:{phone}";

    /// <summary>A new id, ordered by creation time, unique without coordination.</summary>
    public static string NewId(DateTimeOffset now) => $"cv{now.UtcTicks:x15}{Random.Shared.Next(0x10000):x4}";

    public static bool IsValidId(string? id) =>
        id is { Length: 21 } && id.StartsWith("cv", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey(Id))
    {
        ["ContactPhone"] = ContactPhone,
        ["Sender"] = Sender,
        ["Status"] = Status.ToString(),
        ["LastCustomerMessageAt"] = Window.LastCustomerMessageAt,
        ["ReferralAt"] = Window.ReferralAt,
        ["FreeEntryPointOpenedAt"] = Window.FreeEntryPointOpenedAt,
        ["CreatedOn"] = CreatedOn,
        ["LastActivityOn"] = LastActivityOn,
        ["LastMessagePreview"] = LastMessagePreview,
        ["UnreadCount"] = UnreadCount,
        ["LastMessageAt"] = LastMessageAt,
        ["AssignedAgentId"] = AssignedAgentId,
        ["Tags"] = Tags.Count == 0 ? null : string.Join(' ', Tags),
        ["ServiceRequestId"] = ServiceRequest?.ExternalId,
        ["ServiceRequestType"] = ServiceRequest?.Type,
        ["ServiceRequestUrl"] = ServiceRequest?.Url,
        ["ContactName"] = ContactName,
        ["LastInboundProvider"] = LastInboundProvider,
        ["LastInboundProviderMessageId"] = LastInboundProviderMessageId,
        ["ReadReceiptFor"] = ReadReceiptFor,
        ["ReadReceiptAt"] = ReadReceiptAt,
        ["AssignedFrom"] = LastAssignment?.From,
        ["AssignedBy"] = LastAssignment?.By,
        ["AssignedAt"] = LastAssignment?.At,
        ["AssignmentId"] = LastAssignment?.Id,
        ["StatusFrom"] = LastStatusChange?.From.ToString(),
        ["StatusBy"] = LastStatusChange?.By,
        ["StatusChangedAt"] = LastStatusChange?.At,
        ["StatusChangeId"] = LastStatusChange?.Id,
        ["StatusMessageId"] = LastStatusChange?.MessageId,
        ["IndexKeys"] = Index.Keys.Count == 0 ? null : string.Join(' ', Index.Keys),
        ["IndexSince"] = Index.Since,
        ["IndexGhosts"] = Index.Ghosts.Count == 0 ? null : string.Join(' ', Index.Ghosts.Select(g => $"{g.RowKey}@{g.MovedAt.UtcTicks}")),
        ["IndexMark"] = Index.Mark,
    };

    public static Conversation FromEntity(TableEntity e) => FromEntity(e, e.RowKey[2..]);

    /// <summary>From a conversation row, or from an inbox index row (which holds the same properties).</summary>
    public static Conversation FromEntity(TableEntity e, string id) => new(
        id,
        e.GetString("ContactPhone") ?? "",
        e.GetString("Sender") ?? "",
        Enum.TryParse<ConversationStatus>(e.GetString("Status"), out var status) ? status : ConversationStatus.Active,
        new CareWindow(e.GetDateTimeOffset("LastCustomerMessageAt"), e.GetDateTimeOffset("ReferralAt"), e.GetDateTimeOffset("FreeEntryPointOpenedAt")),
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("LastActivityOn") ?? DateTimeOffset.MinValue,
        e.GetString("LastMessagePreview"),
        e.GetInt32("UnreadCount") ?? 0)
    {
        LastMessageAt = e.GetDateTimeOffset("LastMessageAt"),
        AssignedAgentId = e.GetString("AssignedAgentId") is { Length: > 0 } agent ? agent : null,
        Tags = e.GetString("Tags") is { Length: > 0 } tags ? tags.Split(' ') : [],
        ServiceRequest = e.GetString("ServiceRequestId") is { Length: > 0 } requestId
            ? new ServiceRequestLink(requestId, e.GetString("ServiceRequestType") ?? "", e.GetString("ServiceRequestUrl"))
            : null,
        ContactName = e.GetString("ContactName"),
        LastInboundProvider = e.GetString("LastInboundProvider"),
        LastInboundProviderMessageId = e.GetString("LastInboundProviderMessageId"),
        ReadReceiptFor = e.GetString("ReadReceiptFor"),
        ReadReceiptAt = e.GetDateTimeOffset("ReadReceiptAt"),
        LastAssignment = e.GetString("AssignedBy") is { Length: > 0 } assignedBy && e.GetDateTimeOffset("AssignedAt") is { } assignedAt
            ? new AssignmentChange(e.GetString("AssignedFrom") is { Length: > 0 } from ? from : null, assignedBy, assignedAt, e.GetString("AssignmentId") ?? "")
            : null,
        LastStatusChange = Enum.TryParse<ConversationStatus>(e.GetString("StatusFrom"), out var statusFrom) && e.GetDateTimeOffset("StatusChangedAt") is { } statusAt
            ? new StatusChange(statusFrom, e.GetString("StatusBy") ?? StatusChange.ByAgent, statusAt, e.GetString("StatusChangeId") ?? "", e.GetString("StatusMessageId"))
            : null,
        Index = IndexState.From(e.GetString("IndexKeys"), e.GetDateTimeOffset("IndexSince"), e.GetString("IndexGhosts"), e.GetString("IndexMark")),
    };

    public static string Preview(string? text)
    {
        if (text is null) return "";
        if (text.Length <= PreviewLength) return text;
        var cut = PreviewLength - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--; // never split an emoji
        return text[..cut] + "…";
    }
}

/// <summary>
/// An assignment as it was made: the agent before (null: unassigned), by whom (<see cref="ByAgent"/>
/// or <see cref="ByRoundRobin"/>) and when. Kept on the conversation so that a request retried after
/// a stop between the write and the publish publishes the same event again (see <see cref="Conversation.ChangeReplayWindow"/>).
/// </summary>
public sealed record AssignmentChange(string? From, string By, DateTimeOffset At, string Id)
{
    public const string ByAgent = "agent";
    public const string ByRoundRobin = "round-robin";

    /// <summary>The idempotency key of its <c>conversation.assigned</c> event.</summary>
    public string EventKey(string conversationId) => $"{conversationId}:assigned:{Id}";

    /// <summary>A change made now: its own id, so two changes in the same instant are two events.</summary>
    public static AssignmentChange Now(string? from, string by, DateTimeOffset now) => new(from, by, now, Guid.NewGuid().ToString("N"));
}

/// <summary>
/// A status change as it was made: the status before, by whom (<see cref="ByAgent"/>,
/// <see cref="ByAutoArchive"/> or <see cref="ByCustomer"/>, with the message that reopened it) and
/// when; kept for the same reason as <see cref="AssignmentChange"/>.
/// </summary>
public sealed record StatusChange(ConversationStatus From, string By, DateTimeOffset At, string Id, string? MessageId = null)
{
    public const string ByAgent = "agent";
    public const string ByAutoArchive = "auto-archive";
    public const string ByCustomer = "customer";

    /// <summary>The idempotency key of an agent's <c>conversation.status</c> event.</summary>
    public string EventKey(string conversationId) => $"{conversationId}:status:{Id}";

    /// <summary>A change made now, with its own id (see <see cref="AssignmentChange.Now"/>).</summary>
    public static StatusChange Now(ConversationStatus from, string by, DateTimeOffset now, string? messageId = null) =>
        new(from, by, now, Guid.NewGuid().ToString("N"), messageId);
}

/// <summary>A service request of the tenant's own system this conversation is about: its id there, its type, and a link to it.</summary>
public sealed record ServiceRequestLink(string ExternalId, string Type, string? Url);
