using System.Globalization;
using Azure;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>A row that listed the conversation until <see cref="MovedAt"/> (kept for lists paged since before then).</summary>
internal sealed record IndexGhost(string RowKey, DateTimeOffset MovedAt);

/// <summary>Where a conversation is listed now (row key, since when) and its ghost rows still kept.</summary>
/// <remarks><see cref="Mark"/>: a hash of the filtered values the keys do not hold (see <see cref="ConversationIndex.FilterMark"/>) as the current rows have them.</remarks>
internal sealed record IndexState(ValueList<string> Keys, DateTimeOffset? Since, ValueList<IndexGhost> Ghosts, string? Mark = null)
{
    public static readonly IndexState None = new(ValueList<string>.Empty, null, ValueList<IndexGhost>.Empty);

    public static IndexState From(string? keys, DateTimeOffset? since, string? ghosts, string? mark) =>
        new(new ValueList<string>((keys ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)), since, new ValueList<IndexGhost>(ParseGhosts(ghosts)), mark);

    private static List<IndexGhost> ParseGhosts(string? ghosts)
    {
        var list = new List<IndexGhost>();
        foreach (var part in (ghosts ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = part.LastIndexOf('@');
            if (at > 0 && long.TryParse(part.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                list.Add(new IndexGhost(part[..at], new DateTimeOffset(ticks, TimeSpan.Zero)));
            }
        }
        return list;
    }
}

/// <summary>
/// The inbox index. Table Storage has no secondary indexes, so each conversation is listed by an
/// index row in its tenant's partition of <c>Conversations</c> (the same partition as the
/// conversation row, so both are written in one transaction on every change and never drift):
/// <c>i:&lt;status&gt;:&lt;inverted last-activity ticks&gt;:&lt;id&gt;:&lt;since&gt;</c>, and a second one
/// by assignment, <c>j:&lt;status&gt;:&lt;agent id, or - when unassigned&gt;:…</c> (the same suffix), so an
/// agent's own list ("mine") and the unassigned queue are ranges of their own, not scans of the
/// whole inbox; and, while a service request is linked, <c>r:&lt;status&gt;:&lt;hash of its external id&gt;:…</c>,
/// so "the conversations of this request" is a range too. A status (and assignment, or request) is a key range read newest activity first; the row carries every field the list shows or filters on
/// (tags as <c>t_&lt;tagId&gt;</c> booleans, the window's expiry, the assignment, "" when none), so
/// filters are typed Table Storage filters and a page needs no other read.
/// <para>
/// Paging while messages arrive: a conversation with new activity moves up the list. A list
/// is read as of the time its first page was asked for (the snapshot time, in the continuation
/// token), and a moved row is not deleted at once: it stays as a ghost with the time it moved
/// (<c>MovedAt</c>). A row belongs to the snapshot at T when <c>Since ≤ T &lt; MovedAt</c> (current
/// rows have <c>MovedAt</c> = <see cref="Never"/>). Each conversation has exactly one such row for any
/// T, and the token holds the position (the last key suffix handed out), so a traversal lists each
/// conversation of its snapshot once: no skips, no repeats, whatever moves meanwhile. Ghosts are
/// deleted by later writes of the same conversation once older than <see cref="GhostLifetime"/>, which
/// is also how long a continuation token stays valid.
/// </para>
/// </summary>
public static class ConversationIndex
{
    public const string Prefix = "i:";

    /// <summary>The index by assignment.</summary>
    public const string AgentPrefix = "j:";

    /// <summary>The index by linked service request.</summary>
    public const string RequestPrefix = "r:";

    /// <summary>The agent part of <see cref="AgentPrefix"/> keys for unassigned conversations.</summary>
    public const string Unassigned = "-";

    /// <summary>How long a list's continuation token is valid, and moved rows are kept for it.</summary>
    public static readonly TimeSpan GhostLifetime = TimeSpan.FromMinutes(15);

    /// <summary>MovedAt of a current row: the largest date Table Storage stores.</summary>
    public static readonly DateTimeOffset Never = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>WindowExpiresAt when the customer never wrote: the smallest date Table Storage stores.</summary>
    public static readonly DateTimeOffset NoWindow = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Ghosts deleted per write at most, so a transaction stays well under 100 operations.</summary>
    private const int MaxGhostDeletesPerWrite = 40;

    public static string StatusPrefix(ConversationStatus status) => Prefix + status.ToString().ToLowerInvariant() + ":";

    /// <summary>The range of one status and one assignment (<paramref name="agentId"/> "" or null: unassigned).</summary>
    public static string AgentStatusPrefix(ConversationStatus status, string? agentId) =>
        AgentPrefix + status.ToString().ToLowerInvariant() + ":" + (string.IsNullOrEmpty(agentId) ? Unassigned : agentId) + ":";

    /// <summary>The part of the key after the status: newest activity first, then id, then when the row was written.</summary>
    public static string Suffix(DateTimeOffset lastActivityOn, string conversationId, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - lastActivityOn.UtcTicks:D19}:{conversationId}:{since.UtcTicks:x16}");

    /// <summary>The range of one status and one linked service request (by a hash of its external id: any characters, any length).</summary>
    public static string RequestStatusPrefix(ConversationStatus status, string externalId) =>
        RequestPrefix + status.ToString().ToLowerInvariant() + ":"
        + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(externalId)))[..24] + ":";

    public static string TagProperty(string tagId) => "t_" + tagId;

    /// <summary>
    /// The conversation as it will be stored (with its index state) and the index operations that
    /// go into the same transaction as the conversation row: the current row written (in place
    /// when its position is unchanged), a moved row kept as a ghost, expired ghosts deleted.
    /// </summary>
    internal static (Conversation Conversation, List<TableTransactionAction> Actions) Plan(string tenantId, Conversation after, DateTimeOffset now)
    {
        var state = after.Index;
        var prefixes = new List<string> { StatusPrefix(after.Status), AgentStatusPrefix(after.Status, after.AssignedAgentId) };
        if (after.ServiceRequest is { } request)
        {
            prefixes.Add(RequestStatusPrefix(after.Status, request.ExternalId));
        }
        List<string> KeysSince(DateTimeOffset since) => [.. prefixes.Select(p => p + Suffix(after.LastActivityOn, after.Id, since))];

        var actions = new List<TableTransactionAction>();
        var ghosts = state.Ghosts.ToList();
        List<string> keys;
        DateTimeOffset since;
        // Rewritten in place only when nothing a list filters on changed: a row must keep the values it
        // had for the snapshots it belongs to (marked read, then written to again between two pages, an
        // unread-only list would otherwise find neither row unread and skip the conversation).
        var mark = FilterMark(after);
        if (state.Since is { } currentSince && state.Keys.SequenceEqual(KeysSince(currentSince)) && state.Mark == mark)
        {
            (keys, since) = (KeysSince(currentSince), currentSince);
        }
        else
        {
            since = now;
            keys = KeysSince(now);
            // A key written again in the same tick is simply overwritten below.
            foreach (var old in state.Keys.Where(k => !keys.Contains(k)))
            {
                if (state.Since == now)
                {
                    // Listed there for no time at all: no snapshot can need it.
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, old), ETag.All));
                }
                else
                {
                    actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(tenantId, old) { ["MovedAt"] = now }));
                    ghosts.Add(new IndexGhost(old, now));
                }
            }
        }
        var expired = ghosts.Where(g => g.MovedAt <= now - GhostLifetime).Take(MaxGhostDeletesPerWrite).ToList();
        foreach (var ghost in expired)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, ghost.RowKey), ETag.All));
            ghosts.Remove(ghost);
        }
        var stored = after with { Index = new IndexState(new ValueList<string>(keys), since, new ValueList<IndexGhost>(ghosts), mark) };
        actions.InsertRange(0, keys.Select(key => new TableTransactionAction(TableTransactionActionType.UpsertReplace, IndexEntity(tenantId, stored, key, since))));
        return (stored, actions);
    }

    /// <summary>
    /// The values lists filter on that the keys do not hold and that change without new activity
    /// (unread or not, tags, the window's expiry, the contact's name for search), hashed: a change
    /// of any of them moves the row like new activity does.
    /// </summary>
    internal static string FilterMark(Conversation c) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n',
            c.UnreadCount > 0 ? "unread" : "read",
            (c.Window.ExpiresAt ?? NoWindow).UtcTicks.ToString(CultureInfo.InvariantCulture),
            string.Join(' ', c.Tags.Order(StringComparer.Ordinal)),
            c.ContactName ?? ""))))[..16];

    /// <summary>Properties of the conversation row the index row does not need (the list neither shows nor filters on them).</summary>
    private static readonly HashSet<string> NotListed = new(StringComparer.Ordinal)
    {
        "IndexKeys", "IndexSince", "IndexGhosts", "IndexMark", "LastInboundProvider", "LastInboundProviderMessageId", "ReadReceiptFor", "ReadReceiptAt",
        "AssignedFrom", "AssignedBy", "AssignedAt", "AssignmentId", "StatusFrom", "StatusBy", "StatusChangedAt", "StatusChangeId", "StatusMessageId",
    };

    private static TableEntity IndexEntity(string tenantId, Conversation c, string rowKey, DateTimeOffset since)
    {
        // What filters compare comes first: the in-memory store finds a property by walking the row's names in order.
        var row = new TableEntity(tenantId, rowKey)
        {
            ["MovedAt"] = Never,
            ["Since"] = since,
            ["AssignedAgentId"] = c.AssignedAgentId ?? "",
            ["UnreadCount"] = c.UnreadCount,
            ["WindowExpiresAt"] = c.Window.ExpiresAt ?? NoWindow,
            ["ServiceRequestId"] = c.ServiceRequest?.ExternalId ?? "",
            ["Sender"] = c.Sender,
        };
        foreach (var tag in c.Tags)
        {
            row[TagProperty(tag)] = true;
        }
        row["ConversationId"] = c.Id;
        foreach (var (name, value) in c.ToEntity(tenantId).Properties)
        {
            if (!NotListed.Contains(name) && row[name] is null)
            {
                row[name] = value;
            }
        }
        return row;
    }

    /// <summary>The id of the conversation an index row lists.</summary>
    public static string ConversationIdOf(TableEntity row) => row.GetString("ConversationId") ?? "";
}
