using System.Text.Json;
using Functions.Channels;
using Functions.Storage;

namespace Functions.Conversations;

public enum MessageDirection
{
    Inbound,
    Outbound,
}

/// <summary>
/// A message in a conversation. Rows: table <c>Messages</c>, PartitionKey
/// <c>&lt;tenant&gt;|&lt;conversation&gt;</c>, RowKey = inverted time and id, so a conversation's
/// history reads newest first. Looked up by our id or the provider's through <c>MessageIndex</c>.
/// </summary>
public sealed record ConversationMessage(
    string Id,
    string ConversationId,
    MessageDirection Direction,
    MessageKind Kind,
    DateTimeOffset At,
    DeliveryStatus Status)
{
    public const string Table = "Messages";

    public string? Text { get; init; }
    public IReadOnlyList<MediaContent> Media { get; init; } = [];
    public LocationContent? Location { get; init; }
    public IReadOnlyList<SharedContact> Contacts { get; init; } = [];
    public InteractiveReply? Reply { get; init; }
    public ReactionContent? Reaction { get; init; }
    public string? Provider { get; init; }
    public string? ProviderMessageId { get; init; }
    public string? ContextMessageId { get; init; }

    // What only outbound messages carry.
    public TemplateContent? Template { get; init; }
    public InteractiveContent? Interactive { get; init; }

    /// <summary>Why it was sent: service (a reply in the care window), utility, marketing or authentication.</summary>
    public string? Purpose { get; init; }

    public MessageTimes Times { get; init; } = new();
    public ProviderError? Error { get; init; }

    /// <summary>Provider requests made so far (each claimed before it is made, so a crash is never a silent resend).</summary>
    public int Attempts { get; init; }

    /// <summary>Set while a provider request is in flight; cleared when its answer is recorded.</summary>
    public DateTimeOffset? AttemptStartedAt { get; init; }

    /// <summary>Which work item claimed the attempt in flight (its token).</summary>
    public string? AttemptToken { get; init; }

    /// <summary>When the next attempt is due, after an answer that said "try again".</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>A request may have reached the provider but no answer came: never resent; a status callback settles it.</summary>
    public bool OutcomeUnknown { get; init; }

    public static string Partition(string tenantId, string conversationId) => $"{tenantId}|{conversationId}";

    /// <summary>
    /// Table <c>MessageIndex</c>, PartitionKey = tenant: finds a message by our id (<c>m:&lt;id&gt;</c>)
    /// without knowing its conversation, and outbound ones by the provider's id and Idempotency-Key.
    /// </summary>
    public const string IndexTable = "MessageIndex";

    public static string IndexRowKey(string messageId) => "m:" + messageId;

    public TableEntity ToIndexEntity(string tenantId) => new(tenantId, IndexRowKey(Id))
    {
        ["ConversationId"] = ConversationId,
        ["MessageRowKey"] = RowKey,
    };

    public string RowKey => $"{DateTimeOffset.MaxValue.UtcTicks - At.UtcTicks:D19}-{Id}";

    public static string NewId(DateTimeOffset now) => $"msg{now.UtcTicks:x15}{Random.Shared.Next(0x10000):x4}";

    public static bool IsValidId(string? id) =>
        id is { Length: 22 } && id.StartsWith("msg", StringComparison.Ordinal) && id[3..].All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// An inbound message's id follows from the provider's id, so processing the same webhook
    /// again writes the same row instead of a second message.
    /// </summary>
    public static string InboundId(string provider, string providerMessageId) =>
        "msg" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(provider + ":" + providerMessageId)))[..19];

    public TableEntity ToEntity(string tenantId) => new(Partition(tenantId, ConversationId), RowKey)
    {
        ["Id"] = Id,
        ["Direction"] = Direction.ToString(),
        ["Kind"] = Kind.ToString(),
        ["At"] = At,
        ["Status"] = Status.ToString(),
        ["Text"] = Text,
        // Structured parts as JSON: none is ever filtered on.
        ["Content"] = JsonSerializer.Serialize(new StoredContent(Media, Location, Contacts, Reply, Reaction, Template, Interactive)),
        ["Provider"] = Provider,
        ["ProviderMessageId"] = ProviderMessageId,
        ["ContextMessageId"] = ContextMessageId,
        ["Purpose"] = Purpose,
        ["SentAt"] = Times.SentAt,
        ["DeliveredAt"] = Times.DeliveredAt,
        ["ReadAt"] = Times.ReadAt,
        ["FailedAt"] = Times.FailedAt,
        ["ErrorCode"] = Error?.Code,
        ["ErrorMessage"] = Error?.Message,
        ["ErrorReason"] = Error?.Reason.ToString(),
        ["Attempts"] = Attempts,
        ["AttemptStartedAt"] = AttemptStartedAt,
        ["AttemptToken"] = AttemptToken,
        ["NextAttemptAt"] = NextAttemptAt,
        ["OutcomeUnknown"] = OutcomeUnknown,
    };

    public static ConversationMessage FromEntity(TableEntity e)
    {
        var content = e.GetString("Content") is { } json ? JsonSerializer.Deserialize<StoredContent>(json) : null;
        return new ConversationMessage(
            e.GetString("Id") ?? "",
            e.PartitionKey[(e.PartitionKey.IndexOf('|') + 1)..],
            Enum.TryParse<MessageDirection>(e.GetString("Direction"), out var direction) ? direction : MessageDirection.Inbound,
            Enum.TryParse<MessageKind>(e.GetString("Kind"), out var kind) ? kind : MessageKind.Unsupported,
            e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
            Enum.TryParse<DeliveryStatus>(e.GetString("Status"), out var status) ? status : DeliveryStatus.Queued)
        {
            Text = e.GetString("Text"),
            Media = content?.Media ?? [],
            Location = content?.Location,
            Contacts = content?.Contacts ?? [],
            Reply = content?.Reply,
            Reaction = content?.Reaction,
            Provider = e.GetString("Provider"),
            ProviderMessageId = e.GetString("ProviderMessageId"),
            ContextMessageId = e.GetString("ContextMessageId"),
            Template = content?.Template,
            Interactive = content?.Interactive,
            Purpose = e.GetString("Purpose"),
            Times = new MessageTimes(e.GetDateTimeOffset("SentAt"), e.GetDateTimeOffset("DeliveredAt"), e.GetDateTimeOffset("ReadAt"), e.GetDateTimeOffset("FailedAt")),
            Error = e.GetString("ErrorCode") is { } code
                ? new ProviderError(code, e.GetString("ErrorMessage") ?? "", Enum.TryParse<FailureReason>(e.GetString("ErrorReason"), out var reason) ? reason : FailureReason.Other)
                : null,
            Attempts = e.GetInt32("Attempts") ?? 0,
            AttemptStartedAt = e.GetDateTimeOffset("AttemptStartedAt"),
            AttemptToken = e.GetString("AttemptToken"),
            NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt"),
            OutcomeUnknown = e.GetBoolean("OutcomeUnknown") ?? false,
        };
    }

    /// <summary>
    /// This message after a status report at <paramref name="at"/>: the status only moves forward
    /// (<see cref="DeliveryStatuses"/>), each step's time is the earliest reported, and a failure keeps its error.
    /// </summary>
    public ConversationMessage WithStatus(DeliveryStatus incoming, DateTimeOffset at, ProviderError? error = null)
    {
        var status = DeliveryStatuses.Advance(Status, incoming);
        // A failure reported after the message was read changes nothing, not even a time.
        var times = incoming == DeliveryStatus.Failed && status != DeliveryStatus.Failed ? Times : Times.With(incoming, at);
        // A read implies delivered and sent; a delivered implies sent (callbacks can skip steps).
        if (incoming is DeliveryStatus.Read or DeliveryStatus.Delivered) times = times.With(DeliveryStatus.Sent, at);
        if (incoming == DeliveryStatus.Read) times = times.With(DeliveryStatus.Delivered, at);
        return this with
        {
            Status = status,
            Times = times,
            Error = status == DeliveryStatus.Failed && incoming == DeliveryStatus.Failed ? error ?? Error : Error,
        };
    }

    private sealed record StoredContent(
        IReadOnlyList<MediaContent>? Media, LocationContent? Location, IReadOnlyList<SharedContact>? Contacts, InteractiveReply? Reply, ReactionContent? Reaction,
        TemplateContent? Template = null, InteractiveContent? Interactive = null);
}

/// <summary>When the message reached each status (the provider's times), null until it did.</summary>
public sealed record MessageTimes(DateTimeOffset? SentAt = null, DateTimeOffset? DeliveredAt = null, DateTimeOffset? ReadAt = null, DateTimeOffset? FailedAt = null)
{
    /// <summary>These times with <paramref name="status"/> reached at <paramref name="at"/>, keeping an earlier time already known.</summary>
    public MessageTimes With(DeliveryStatus status, DateTimeOffset at) => status switch
    {
        DeliveryStatus.Sent => this with { SentAt = Earliest(SentAt, at) },
        DeliveryStatus.Delivered => this with { DeliveredAt = Earliest(DeliveredAt, at) },
        DeliveryStatus.Read => this with { ReadAt = Earliest(ReadAt, at) },
        DeliveryStatus.Failed => this with { FailedAt = Earliest(FailedAt, at) },
        _ => this,
    };

    private static DateTimeOffset Earliest(DateTimeOffset? known, DateTimeOffset at) => known is { } k && k <= at ? k : at;
}
