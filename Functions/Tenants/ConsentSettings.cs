using System.Text.Encodings.Web;
using System.Text.Json;

namespace Functions.Tenants;

/// <summary>
/// A tenant's consent keywords and confirmation replies: its own opt-out and opt-in words (on top
/// of the built-in STOP, START and their translations, see <see cref="Contacts.ConsentKeywords"/>),
/// the replies it wants sent per WhatsApp language code (built-in texts where it has none, see
/// <see cref="Contacts.ConsentReplies"/>), and whether a confirmation is sent at all.
/// Compared by value. Stored as JSON in the tenant row's <c>Consent</c> column.
/// </summary>
public sealed record ConsentSettings(
    IReadOnlyList<string> OptOutKeywords,
    IReadOnlyList<string> OptInKeywords,
    IReadOnlyDictionary<string, string> OptOutReplies,
    IReadOnlyDictionary<string, string> OptInReplies,
    bool SendConfirmation = true)
{
    public const int MaxKeywords = 20;
    public const int MaxKeywordLength = 40;
    public const int MaxReplyLanguages = 10;
    public const int MaxReplyLength = 1000;

    private static readonly IReadOnlyDictionary<string, string> NoReplies = new Dictionary<string, string>();

    /// <summary>No words of its own, the built-in replies, confirmations on.</summary>
    public static ConsentSettings Default { get; } = new([], [], NoReplies, NoReplies);

    // Non-ASCII text (Swedish, Chinese) as is, not as \uXXXX: six times shorter, so the largest valid settings fit one column.
    private static readonly JsonSerializerOptions StorageJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(this, StorageJson);

    /// <summary>The stored settings; lists or maps missing from the JSON read as empty.</summary>
    public static ConsentSettings FromJson(string json)
    {
        var read = JsonSerializer.Deserialize<ConsentSettings>(json, StorageJson) ?? Default;
        // The JSON may hold nulls whatever the annotations say.
        return read with
        {
            OptOutKeywords = (IReadOnlyList<string>?)read.OptOutKeywords ?? [],
            OptInKeywords = (IReadOnlyList<string>?)read.OptInKeywords ?? [],
            OptOutReplies = (IReadOnlyDictionary<string, string>?)read.OptOutReplies ?? NoReplies,
            OptInReplies = (IReadOnlyDictionary<string, string>?)read.OptInReplies ?? NoReplies,
        };
    }

    public bool Equals(ConsentSettings? other) =>
        other is not null
        && SendConfirmation == other.SendConfirmation
        && OptOutKeywords.SequenceEqual(other.OptOutKeywords, StringComparer.Ordinal)
        && OptInKeywords.SequenceEqual(other.OptInKeywords, StringComparer.Ordinal)
        && SameReplies(OptOutReplies, other.OptOutReplies)
        && SameReplies(OptInReplies, other.OptInReplies);

    public override int GetHashCode() => HashCode.Combine(SendConfirmation, OptOutKeywords.Count, OptInKeywords.Count, OptOutReplies.Count, OptInReplies.Count);

    private static bool SameReplies(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var text) && text == pair.Value);
}

/// <summary>
/// Consent settings as sent to the API. Every field may be left out: on a tenant's creation and
/// on <c>PUT /api/tenant/consent</c> it then takes its default; on an operator's PATCH the stored
/// value stays. A list or map that is given replaces the old one whole (<c>[]</c>, <c>{}</c> clear it).
/// </summary>
public sealed record ConsentSettingsRequest(
    IReadOnlyList<string?>? OptOutKeywords = null,
    IReadOnlyList<string?>? OptInKeywords = null,
    IReadOnlyDictionary<string, string?>? OptOutReplies = null,
    IReadOnlyDictionary<string, string?>? OptInReplies = null,
    bool? SendConfirmation = null)
{
    /// <summary>
    /// <paramref name="current"/> with the fields given replaced: words trimmed, a word repeated
    /// in one list kept once, reply texts trimmed. Call after <see cref="TenantValidation.ValidateConsent"/>
    /// found nothing wrong (it rejects null entries).
    /// </summary>
    public ConsentSettings ApplyTo(ConsentSettings current) => new(
        OptOutKeywords is null ? current.OptOutKeywords : Words(OptOutKeywords),
        OptInKeywords is null ? current.OptInKeywords : Words(OptInKeywords),
        OptOutReplies is null ? current.OptOutReplies : Replies(OptOutReplies),
        OptInReplies is null ? current.OptInReplies : Replies(OptInReplies),
        SendConfirmation ?? current.SendConfirmation);

    private static string[] Words(IReadOnlyList<string?> words) =>
        [.. words.Select(w => w!.Trim()).DistinctBy(Contacts.ConsentKeywords.Fold, StringComparer.Ordinal)];

    private static Dictionary<string, string> Replies(IReadOnlyDictionary<string, string?> replies) =>
        replies.ToDictionary(pair => pair.Key, pair => pair.Value!.Trim(), StringComparer.Ordinal);
}
