using System.Text.Json;
using Functions.Outbound;
using Functions.Storage;

namespace Functions.Conversations.ScheduledReplies;

/// <summary>Where a scheduled reply is: waiting, being sent (claimed by its timer), or finished one of three ways.</summary>
public enum ScheduledReplyStatus
{
    Scheduled,
    /// <summary>Its time came and its timer claimed it: it can no longer be cancelled.</summary>
    Sending,
    Sent,
    Refused,
    Cancelled,
}

/// <summary>Why a reply was not sent when its time came: a stable code (<c>care_window_closed</c>, <c>conversation_closed</c>, <c>recipient_opted_out</c>, …) and the reason in words.</summary>
public sealed record ScheduledReplyRefusal(string Code, string Detail, DateTimeOffset? WindowClosedAt = null);

/// <summary>
/// A reply in a conversation to be sent at <see cref="SendAt"/>, through the same path as
/// <c>POST /api/conversations/{id}/messages</c> and by its rules at that time. Rows: table
/// <c>ScheduledReplies</c>, PartitionKey <c>&lt;tenant&gt;|&lt;conversation&gt;</c>, RowKey = the
/// id, which starts with the inverted creation time (newest first).
/// </summary>
public sealed record ScheduledReply(
    string Id, string ConversationId, SendRequest Message, DateTimeOffset SendAt, ScheduledReplyStatus Status, DateTimeOffset CreatedAt, string CreatedBy)
{
    public const string Table = "ScheduledReplies";

    /// <summary>How far ahead a reply may be scheduled; beyond the queue's 7-day delay its timer is chained.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(30);

    /// <summary>Waiting replies per conversation at once.</summary>
    public const int MaxPendingPerConversation = 20;

    /// <summary>The stored message as JSON: well inside a table property's 64 KiB.</summary>
    public const int MaxMessageJsonLength = 30_000;

    /// <summary>The message the send made, once <see cref="ScheduledReplyStatus.Sent"/>.</summary>
    public string? MessageId { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public ScheduledReplyRefusal? Refusal { get; init; }
    public DateTimeOffset? RefusedAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
    public string? CancelledBy { get; init; }

    public static string Partition(string tenantId, string conversationId) => $"{tenantId}|{conversationId}";

    public static string NewId(DateTimeOffset now) => $"sr{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:x16}{Random.Shared.Next():x8}";

    public static bool IsValidId(string? id) =>
        id is { Length: 26 } && id.StartsWith("sr", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);

    public static string MessageJson(SendRequest message) => JsonSerializer.Serialize(message, JsonSerializerOptions.Web);

    /// <summary>The Idempotency-Key its send uses: a space keeps it apart from API callers' keys, so a redelivered timer never sends twice.</summary>
    public string IdempotencyKey => "scheduled " + Id;

    public TableEntity ToEntity(string tenantId) => new(Partition(tenantId, ConversationId), Id)
    {
        ["Message"] = MessageJson(Message),
        ["SendAt"] = SendAt,
        ["Status"] = Status.ToString(),
        ["CreatedAt"] = CreatedAt,
        ["CreatedBy"] = CreatedBy,
        ["MessageId"] = MessageId,
        ["SentAt"] = SentAt,
        ["RefusalCode"] = Refusal?.Code,
        ["RefusalDetail"] = Refusal?.Detail,
        ["WindowClosedAt"] = Refusal?.WindowClosedAt,
        ["RefusedAt"] = RefusedAt,
        ["CancelledAt"] = CancelledAt,
        ["CancelledBy"] = CancelledBy,
    };

    public static ScheduledReply FromEntity(TableEntity e, string conversationId) => new(
        e.RowKey,
        conversationId,
        JsonSerializer.Deserialize<SendRequest>(e.GetString("Message") ?? "{}", JsonSerializerOptions.Web)!,
        e.GetDateTimeOffset("SendAt") ?? DateTimeOffset.MinValue,
        Enum.TryParse<ScheduledReplyStatus>(e.GetString("Status"), out var status) ? status : ScheduledReplyStatus.Scheduled,
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetString("CreatedBy") ?? "")
    {
        MessageId = e.GetString("MessageId"),
        SentAt = e.GetDateTimeOffset("SentAt"),
        Refusal = e.GetString("RefusalCode") is { } code ? new ScheduledReplyRefusal(code, e.GetString("RefusalDetail") ?? "", e.GetDateTimeOffset("WindowClosedAt")) : null,
        RefusedAt = e.GetDateTimeOffset("RefusedAt"),
        CancelledAt = e.GetDateTimeOffset("CancelledAt"),
        CancelledBy = e.GetString("CancelledBy"),
    };
}

/// <summary>The timer's queue message: which reply is due.</summary>
public sealed record ScheduledReplyDue(string Tenant, string ConversationId, string ReplyId);
