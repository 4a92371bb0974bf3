using System.Text.RegularExpressions;
using Functions.Storage;

namespace Functions.CannedResponses;

/// <summary>
/// A tenant-wide snippet agents insert by its shortcut (<c>/thanks</c>). Rows: table
/// <c>CannedResponses</c>, PartitionKey = tenant: the response at <c>s:&lt;shortcut without '/'&gt;</c>
/// (so a shortcut is unique per tenant, and a prefix is a row-key range), and a pointer
/// <c>i:&lt;id&gt;</c> → shortcut, so the id stays the same when the shortcut is renamed.
/// </summary>
public sealed partial record CannedResponse(
    string Id, string Shortcut, string Title, string Text, string? Language, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public const string Table = "CannedResponses";
    public const int MaxShortcutLength = 33; // '/' and 32 characters
    public const int MaxTitleLength = 100;

    /// <summary>WhatsApp's limit for a text message (Twilio's is lower: a send checks it again).</summary>
    public const int MaxTextLength = 4096;

    /// <summary>Per tenant: a list an agent can pick from, and a text search that stays a small scan.</summary>
    public const int MaxPerTenant = 1000;

    public static string RowKey(string shortcut) => "s:" + shortcut[1..];

    public static string PointerRowKey(string id) => "i:" + id;

    public static string NewId(DateTimeOffset now) => $"cr{now.UtcTicks:x15}{Random.Shared.Next():x8}";

    public static bool IsValidId(string? id) =>
        id is { Length: 25 } && id.StartsWith("cr", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);

    /// <summary>A shortcut as stored: lower case, with its '/', or null when it is not one (letters, digits, '_' and '-' after the '/').</summary>
    public static string? NormalizeShortcut(string? shortcut)
    {
        if (shortcut is null) return null;
        var lower = shortcut.Trim().ToLowerInvariant();
        return ShortcutPattern().IsMatch(lower) ? lower : null;
    }

    /// <summary>A shortcut prefix for a search: the start of a shortcut, with or without its '/'; null when it cannot start one.</summary>
    public static string? NormalizePrefix(string prefix)
    {
        var lower = prefix.Trim().ToLowerInvariant();
        if (!lower.StartsWith('/')) lower = "/" + lower;
        return lower == "/" || ShortcutPattern().IsMatch(lower) ? lower : null;
    }

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey(Shortcut))
    {
        ["Id"] = Id,
        ["Title"] = Title,
        ["Text"] = Text,
        ["Language"] = Language,
        ["CreatedAt"] = CreatedAt,
        ["UpdatedAt"] = UpdatedAt,
    };

    public TableEntity ToPointer(string tenantId) => new(tenantId, PointerRowKey(Id)) { ["Shortcut"] = Shortcut };

    public static CannedResponse FromEntity(TableEntity e) => new(
        e.GetString("Id") ?? "",
        "/" + e.RowKey[2..],
        e.GetString("Title") ?? "",
        e.GetString("Text") ?? "",
        e.GetString("Language"),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);

    /// <summary>Whether the shortcut, title or text holds <paramref name="search"/>, case and accents aside.</summary>
    public bool Matches(string search)
    {
        var compare = System.Globalization.CultureInfo.InvariantCulture.CompareInfo;
        const System.Globalization.CompareOptions options = System.Globalization.CompareOptions.IgnoreCase | System.Globalization.CompareOptions.IgnoreNonSpace;
        return compare.IndexOf(Shortcut, search, options) >= 0 || compare.IndexOf(Title, search, options) >= 0 || compare.IndexOf(Text, search, options) >= 0;
    }

    [GeneratedRegex("^/[a-z0-9][a-z0-9_-]{0,31}$")]
    private static partial Regex ShortcutPattern();
}
