using Functions.Storage;

namespace Functions.Conversations.Notes;

/// <summary>Who wrote a note: the API key (its id and role) it was written with, and the inbox agent that key is bound to, if any.</summary>
public sealed record NoteAuthor(string KeyId, string Role)
{
    public string? AgentId { get; init; }

    /// <summary>The same key, or (keys being rotated by creating a new one) a key bound to the same agent.</summary>
    public bool IsSameAs(NoteAuthor other) => KeyId == other.KeyId || (AgentId is not null && AgentId == other.AgentId);
}

/// <summary>
/// An internal note on a conversation: for the tenant's agents and admins only, never sent to
/// the customer and never part of the message history. Rows: table <c>ConversationNotes</c>,
/// PartitionKey <c>&lt;tenant&gt;|&lt;conversation&gt;</c>, RowKey = the id, which starts with the
/// inverted creation time, so a conversation's notes read newest first.
/// </summary>
public sealed record ConversationNote(string Id, string ConversationId, string Text, NoteAuthor Author, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt)
{
    public const string Table = "ConversationNotes";
    public const int MaxTextLength = 5000;

    public static string Partition(string tenantId, string conversationId) => $"{tenantId}|{conversationId}";

    /// <summary>A new id: <c>nt</c>, the inverted creation ticks (newest first) and a random tail, unique without coordination.</summary>
    public static string NewId(DateTimeOffset now) => $"nt{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:x16}{Random.Shared.Next():x8}";

    public static bool IsValidId(string? id) =>
        id is { Length: 26 } && id.StartsWith("nt", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);

    public TableEntity ToEntity(string tenantId) => new(Partition(tenantId, ConversationId), Id)
    {
        ["Text"] = Text,
        ["AuthorKeyId"] = Author.KeyId,
        ["AuthorRole"] = Author.Role,
        ["AuthorAgentId"] = Author.AgentId,
        ["CreatedAt"] = CreatedAt,
        ["EditedAt"] = EditedAt,
    };

    public static ConversationNote FromEntity(TableEntity e, string conversationId) => new(
        e.RowKey,
        conversationId,
        e.GetString("Text") ?? "",
        new NoteAuthor(e.GetString("AuthorKeyId") ?? "", e.GetString("AuthorRole") ?? "") { AgentId = e.GetString("AuthorAgentId") },
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("EditedAt"));
}
