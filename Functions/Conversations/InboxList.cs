using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>
/// What an inbox list asks for. Every field is optional except the statuses (Active unless asked);
/// values go into typed Table Storage filters (escaped by the adapter), never into filter text,
/// and the text search is matched here, on the rows read.
/// </summary>
public sealed record InboxFilter
{
    public IReadOnlyList<ConversationStatus> Statuses { get; init; } = [ConversationStatus.Active];

    /// <summary>An agent's id, or "" for unassigned conversations; null for any.</summary>
    public string? AssignedAgentId { get; init; }

    public string? TagId { get; init; }
    public bool UnreadOnly { get; init; }

    /// <summary>True: only conversations whose care window is open; false: only those where it is closed (or never opened).</summary>
    public bool? WindowOpen { get; init; }

    /// <summary>Only conversations whose window is open and closes within this many minutes (the "expiring soon" queue).</summary>
    public int? ClosingWithinMinutes { get; init; }

    public string? Sender { get; init; }
    public string? ServiceRequestId { get; init; }

    /// <summary>Matched against the contact's name, phone and the last message preview, ignoring case.</summary>
    public string? Search { get; init; }

    /// <summary>A short hash of the filter, kept in the continuation token so it cannot be replayed with other filters.</summary>
    public string Fingerprint() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this with { Statuses = [.. Statuses.Order()] }))))[..16];
}

public sealed record InboxPage(IReadOnlyList<Conversation> Items, string? ContinuationToken);

/// <summary>A continuation token that is not one this list gave, belongs to other filters, or is too old.</summary>
public sealed class InboxTokenException(string message) : ArgumentException(message, "continuationToken");

/// <summary>
/// Reads the inbox index (<see cref="ConversationIndex"/>): newest activity first, filtered, a page
/// at a time. A list is read as of its snapshot time (the first page's, carried in the token), so
/// paging neither skips nor repeats conversations while messages arrive and move them up. With
/// several statuses, each status range is read from the token's position and the results merged by
/// key; the next position is never past what every range has been read to. The text search reads
/// at most <see cref="ScanBudget"/> rows per page: a page may come back short (or empty) with a
/// token, as Table Storage's own pages do; only a null token means the end.
/// </summary>
public sealed class InboxList(ITableStore tables, TimeProvider time)
{
    public const int ScanBudget = 2000;

    /// <summary>
    /// The snapshot is this far behind the first request, so a write in flight then (its time read,
    /// its transaction not yet committed) is already inside or clearly after it.
    /// </summary>
    public static readonly TimeSpan SnapshotLag = TimeSpan.FromSeconds(1);

    /// <summary>How long a token is valid: a little less than ghosts are kept.</summary>
    public static readonly TimeSpan TokenLifetime = ConversationIndex.GhostLifetime - TimeSpan.FromMinutes(1);

    private sealed record Token(long T, string? P, string F);

    private sealed class Range(string prefix)
    {
        public string Prefix { get; } = prefix;
        public List<(string Suffix, TableEntity Row)> Matched { get; } = [];
        public string? LastScanned { get; set; }
        public bool Ended { get; set; }
    }

    /// <exception cref="InboxTokenException">The continuation token is malformed, for other filters, or expired.</exception>
    public async Task<InboxPage> ListAsync(string tenantId, InboxFilter filter, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var fingerprint = filter.Fingerprint();
        var token = continuationToken is null ? new Token((now - SnapshotLag).UtcTicks, null, fingerprint) : Decode(continuationToken, fingerprint, now);
        var snapshot = new DateTimeOffset(token.T, TimeSpan.Zero);
        var storeFilter = StoreFilter(filter, snapshot, now);
        var search = SearchTerm.Of(filter.Search);

        // A service request or an assignment filter reads that request's or agent's own ranges; the rest the status ranges.
        var ranges = filter.Statuses.Distinct().Select(s => new Range(
            filter.ServiceRequestId is { } request ? ConversationIndex.RequestStatusPrefix(s, request)
            : filter.AssignedAgentId is { } agent ? ConversationIndex.AgentStatusPrefix(s, agent)
            : ConversationIndex.StatusPrefix(s))).ToList();
        var budget = ScanBudget / ranges.Count;
        foreach (var range in ranges)
        {
            await ScanAsync(tenantId, range, token.P, storeFilter, search, search is null ? pageSize : TableRules.MaxPageSize, pageSize, budget, cancellationToken);
        }

        var open = ranges.Where(r => !r.Ended).ToList();
        // Everything up to the frontier has been read in every range; nothing past it may be handed out yet.
        var frontier = open.Count == 0 ? null : open.Select(r => r.LastScanned ?? token.P ?? "").Min(StringComparer.Ordinal);
        var candidates = ranges.SelectMany(r => r.Matched)
            .Where(m => frontier is null || string.CompareOrdinal(m.Suffix, frontier) <= 0)
            .OrderBy(m => m.Suffix, StringComparer.Ordinal)
            .ToList();
        var taken = candidates.Take(pageSize).ToList();
        string? next;
        if (taken.Count == pageSize && (candidates.Count > pageSize || open.Count > 0))
        {
            next = taken[^1].Suffix;
        }
        else
        {
            next = open.Count == 0 ? null : frontier;
        }

        var items = new List<Conversation>(taken.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, row) in taken)
        {
            var id = ConversationIndex.ConversationIdOf(row);
            if (!seen.Add(id))
            {
                continue;
            }
            if (row.GetDateTimeOffset("MovedAt") is { } moved && moved < ConversationIndex.Never)
            {
                // A ghost: where the conversation stood at the snapshot. Show it as it is now.
                if (await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, Conversation.RowKey(id), cancellationToken) is { } current)
                {
                    items.Add(Conversation.FromEntity(current));
                }
                continue;
            }
            items.Add(Conversation.FromEntity(row, id));
        }
        return new InboxPage(items, next is null ? null : Encode(new Token(token.T, next, fingerprint)));
    }

    private async Task ScanAsync(string tenantId, Range range, string? from, TableFilter filter, SearchTerm? search, int top, int want, int budget, CancellationToken cancellationToken)
    {
        var query = new TableQuery(tenantId)
        {
            // Keys after the position: every suffix has the same length, so position + " " sorts just after it.
            RowKeyFrom = range.Prefix + (from is null ? "" : from + " "),
            RowKeyBefore = TableRules.PrefixUpperBound(range.Prefix),
            Filter = filter,
            Top = top,
        };
        string? storeToken = null;
        var scanned = 0;
        while (true)
        {
            var page = await tables.QueryAsync(Conversation.Table, query, storeToken, cancellationToken);
            foreach (var row in page.Entities)
            {
                var suffix = row.RowKey[range.Prefix.Length..];
                range.LastScanned = suffix;
                if (search is null || search.Matches(row))
                {
                    range.Matched.Add((suffix, row));
                }
            }
            scanned += page.Entities.Count;
            storeToken = page.ContinuationToken;
            if (storeToken is null)
            {
                range.Ended = true;
                return;
            }
            if (range.Matched.Count >= want || scanned >= budget)
            {
                return;
            }
        }
    }

    private static TableFilter StoreFilter(InboxFilter filter, DateTimeOffset snapshot, DateTimeOffset now)
    {
        var parts = new List<TableFilter>();
        if (filter.AssignedAgentId is { } agent) parts.Add(TableFilter.Equal("AssignedAgentId", agent));
        if (filter.TagId is { } tag) parts.Add(TableFilter.Equal(ConversationIndex.TagProperty(tag), true));
        if (filter.UnreadOnly) parts.Add(TableFilter.GreaterThan("UnreadCount", 0));
        if (filter.WindowOpen == true) parts.Add(TableFilter.GreaterThan("WindowExpiresAt", now));
        if (filter.WindowOpen == false) parts.Add(TableFilter.LessThanOrEqual("WindowExpiresAt", now));
        if (filter.ClosingWithinMinutes is { } minutes)
        {
            parts.Add(TableFilter.GreaterThan("WindowExpiresAt", now) & TableFilter.LessThanOrEqual("WindowExpiresAt", now.AddMinutes(minutes)));
        }
        if (filter.Sender is { } sender) parts.Add(TableFilter.Equal("Sender", sender));
        if (filter.ServiceRequestId is { } request) parts.Add(TableFilter.Equal("ServiceRequestId", request));
        // In the snapshot: not moved away before it, and listed there by then. Last, so a selective filter rejects a row first.
        parts.Add(TableFilter.GreaterThan("MovedAt", snapshot) & TableFilter.LessThanOrEqual("Since", snapshot));
        return parts.Aggregate((left, right) => left & right);
    }

    private static string Encode(Token token) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Token Decode(string text, string fingerprint, DateTimeOffset now)
    {
        Token? token;
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            token = text.Length > 400 ? null : JsonSerializer.Deserialize<Token>(Convert.FromBase64String(base64));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            token = null;
        }
        if (token is null || token.F is null || token.T <= 0 || token.T > now.UtcTicks
            || token.P is { } p && (p.Length > 100 || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == ':'))))
        {
            throw new InboxTokenException("The continuation token is not one this API gave.");
        }
        if (token.F != fingerprint)
        {
            throw new InboxTokenException("The continuation token belongs to a list with other filters: ask with the same filters, or start again without a token.");
        }
        if (now - new DateTimeOffset(token.T, TimeSpan.Zero) > TokenLifetime)
        {
            throw new InboxTokenException($"The continuation token has expired (a list can be paged for {TokenLifetime.TotalMinutes:0} minutes): start again without a token.");
        }
        return token;
    }

    /// <summary>The search text: digits alone (at least 3, ignoring + - spaces and brackets) also match the phone by its digits.</summary>
    private sealed class SearchTerm
    {
        private readonly string _text;
        private readonly string? _digits;

        private SearchTerm(string text, string? digits)
        {
            _text = text;
            _digits = digits;
        }

        public static SearchTerm? Of(string? search)
        {
            if (string.IsNullOrWhiteSpace(search))
            {
                return null;
            }
            var text = search.Trim();
            var digits = text.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' ' or '(' or ')') ? new string([.. text.Where(char.IsAsciiDigit)]) : null;
            return new SearchTerm(text, digits is { Length: >= 3 } ? digits : null);
        }

        public bool Matches(TableEntity row) =>
            Contains(row.GetString("ContactName")) || Contains(row.GetString("LastMessagePreview")) || Contains(row.GetString("ContactPhone"))
            || (_digits is not null && row.GetString("ContactPhone") is { } phone && phone.Contains(_digits, StringComparison.Ordinal));

        private bool Contains(string? value) => value is not null && value.Contains(_text, StringComparison.OrdinalIgnoreCase);
    }
}
