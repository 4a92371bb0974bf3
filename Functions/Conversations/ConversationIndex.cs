using System.Globalization;
using Azure;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>A row that listed the conversation until <see cref="MovedAt"/> (kept for lists paged since before then).</summary>
internal sealed record IndexGhost(string RowKey, DateTimeOffset MovedAt);

/// <summary>Where a conversation is listed now (row key, since when) and its ghost rows still kept.</summary>
internal sealed record IndexState(string? RowKey, DateTimeOffset? Since, ValueList<IndexGhost> Ghosts)
{
    public static readonly IndexState None = new(null, null, ValueList<IndexGhost>.Empty);

    public static IndexState From(string? rowKey, DateTimeOffset? since, string? ghosts) => new(rowKey, since, new ValueList<IndexGhost>(ParseGhosts(ghosts)));

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
/// <c>i:&lt;status&gt;:&lt;inverted last-activity ticks&gt;:&lt;id&gt;:&lt;since&gt;</c>. A status is a key
/// range read newest activity first; the row carries every field the list shows or filters on
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

    /// <summary>How long a list's continuation token is valid, and moved rows are kept for it.</summary>
    public static readonly TimeSpan GhostLifetime = TimeSpan.FromMinutes(15);

    /// <summary>MovedAt of a current row: the largest date Table Storage stores.</summary>
    public static readonly DateTimeOffset Never = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>WindowExpiresAt when the customer never wrote: the smallest date Table Storage stores.</summary>
    public static readonly DateTimeOffset NoWindow = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Ghosts deleted per write at most, so a transaction stays well under 100 operations.</summary>
    private const int MaxGhostDeletesPerWrite = 40;

    public static string StatusPrefix(ConversationStatus status) => Prefix + status.ToString().ToLowerInvariant() + ":";

    /// <summary>The part of the key after the status: newest activity first, then id, then when the row was written.</summary>
    public static string Suffix(DateTimeOffset lastActivityOn, string conversationId, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - lastActivityOn.UtcTicks:D19}:{conversationId}:{since.UtcTicks:x16}");

    public static string TagProperty(string tagId) => "t_" + tagId;

    /// <summary>
    /// The conversation as it will be stored (with its index state) and the index operations that
    /// go into the same transaction as the conversation row: the current row written (in place
    /// when its position is unchanged), a moved row kept as a ghost, expired ghosts deleted.
    /// </summary>
    internal static (Conversation Conversation, List<TableTransactionAction> Actions) Plan(string tenantId, Conversation after, DateTimeOffset now)
    {
        var state = after.Index;
        var prefix = StatusPrefix(after.Status);
        var actions = new List<TableTransactionAction>();
        var ghosts = state.Ghosts.ToList();
        string rowKey;
        DateTimeOffset since;
        if (state is { RowKey: { } current, Since: { } currentSince } && current == prefix + Suffix(after.LastActivityOn, after.Id, currentSince))
        {
            rowKey = current;
            since = currentSince;
        }
        else
        {
            if (state.RowKey is { } old)
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
            since = now;
            rowKey = prefix + Suffix(after.LastActivityOn, after.Id, now);
        }
        var expired = ghosts.Where(g => g.MovedAt <= now - GhostLifetime).Take(MaxGhostDeletesPerWrite).ToList();
        foreach (var ghost in expired)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, ghost.RowKey), ETag.All));
            ghosts.Remove(ghost);
        }
        var stored = after with { Index = new IndexState(rowKey, since, new ValueList<IndexGhost>(ghosts)) };
        actions.Insert(0, new(TableTransactionActionType.UpsertReplace, IndexEntity(tenantId, stored, rowKey, since)));
        return (stored, actions);
    }

    /// <summary>Properties of the conversation row the index row does not need (the list neither shows nor filters on them).</summary>
    private static readonly HashSet<string> NotListed = new(StringComparer.Ordinal)
    {
        "IndexRowKey", "IndexSince", "IndexGhosts", "LastInboundProvider", "LastInboundProviderMessageId", "ReadReceiptFor", "ReadReceiptAt",
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
