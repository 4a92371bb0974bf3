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

    public static string Partition(string tenantId, string conversationId) => $"{tenantId}|{conversationId}";

    public string RowKey => $"{DateTimeOffset.MaxValue.UtcTicks - At.UtcTicks:D19}-{Id}";

    public static string NewId(DateTimeOffset now) => $"msg{now.UtcTicks:x15}{Random.Shared.Next(0x10000):x4}";

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
        ["Content"] = JsonSerializer.Serialize(new StoredContent(Media, Location, Contacts, Reply, Reaction)),
        ["Provider"] = Provider,
        ["ProviderMessageId"] = ProviderMessageId,
        ["ContextMessageId"] = ContextMessageId,
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
        };
    }

    private sealed record StoredContent(
        IReadOnlyList<MediaContent>? Media, LocationContent? Location, IReadOnlyList<SharedContact>? Contacts, InteractiveReply? Reply, ReactionContent? Reaction);
}
