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
    };

    public static Conversation FromEntity(TableEntity e) => new(
        e.RowKey[2..],
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
