using System.Globalization;
using System.Text;
using Functions.Tenants;

namespace Functions.Contacts;

public enum ConsentKeyword
{
    None,
    OptOut,
    OptIn,
}

/// <summary>
/// Recognises a customer's "stop" or "start" message. Only a message that is the keyword alone
/// counts (case, accents, surrounding spaces and punctuation ignored), so "please don't stop my
/// order" is never an opt-out. Built-in words cover English, Swedish, German, Spanish,
/// Portuguese, French, Italian, Dutch and Chinese, and are deliberately unambiguous: "cancel",
/// "end" or "yes" answer other questions ("reply CONFIRM or CANCEL") far more often than they
/// mean consent, so they are not keywords unless a tenant adds them. A tenant's own words
/// (<see cref="ConsentSettings"/>) come on top: <see cref="For(Tenant)"/>.
/// </summary>
public sealed class ConsentKeywords
{
    public static readonly IReadOnlyList<string> DefaultOptOut =
    [
        "stop", "stopall", "unsubscribe", "optout", "opt out", "opt-out",
        "stopp", "avsluta", "avregistrera",             // Swedish
        "abmelden", "abbestellen",                        // German (stopp above)
        "baja", "darme de baja",                          // Spanish
        "cancelar inscricao",                             // Portuguese
        "arret", "desabonner", "desinscrire",             // French (accents folded)
        "disiscriviti",                                   // Italian
        "afmelden",                                       // Dutch
        "退订", "取消订阅",                                  // Chinese
    ];

    public static readonly IReadOnlyList<string> DefaultOptIn =
    [
        "start", "unstop", "subscribe",
        "starta", "prenumerera",                          // Swedish
        "anmelden",                                       // German
        "suscribir",                                      // Spanish
        "inscrever",                                      // Portuguese
        "abonner",                                        // French
        "iscriviti",                                      // Italian
        "aanmelden",                                      // Dutch
        "订阅",                                            // Chinese
    ];

    /// <summary>The built-in words only.</summary>
    public static ConsentKeywords BuiltIn { get; } = new();

    private readonly HashSet<string> _optOut;
    private readonly HashSet<string> _optIn;

    public ConsentKeywords(IEnumerable<string>? extraOptOut = null, IEnumerable<string>? extraOptIn = null)
    {
        _optOut = DefaultOptOut.Concat(extraOptOut ?? []).Select(Fold).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
        _optIn = DefaultOptIn.Concat(extraOptIn ?? []).Select(Fold).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
        _optIn.ExceptWith(_optOut); // a word in both lists is read as the safer one: stop
    }

    /// <summary>The built-in words and the tenant's own; cheap enough to build per message.</summary>
    public static ConsentKeywords For(Tenant tenant) => new(tenant.Consent.OptOutKeywords, tenant.Consent.OptInKeywords);

    public ConsentKeyword Classify(string? message)
    {
        if (string.IsNullOrWhiteSpace(message) || message.Length > 40)
        {
            return ConsentKeyword.None;
        }
        var folded = Fold(message);
        return _optOut.Contains(folded) ? ConsentKeyword.OptOut
            : _optIn.Contains(folded) ? ConsentKeyword.OptIn
            : ConsentKeyword.None;
    }

    /// <summary>Lower case, no accents, inner spaces collapsed, surrounding punctuation and emoji dropped.</summary>
    internal static string Fold(string text)
    {
        var decomposed = text.Trim().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c)) sb.Append(c);
            else if (char.IsWhiteSpace(c) || c == '-') { if (sb.Length > 0 && sb[^1] != ' ') sb.Append(' '); }
        }
        return sb.ToString().Trim().Normalize(NormalizationForm.FormC);
    }
}
