using System.Text.RegularExpressions;
using Functions.Contacts;
using Functions.Storage;

namespace Functions.Tenants;

/// <summary>
/// Checks tenant settings field by field and names every bad one (for a 400 problem body with
/// an <c>errors</c> map), so a caller fixes everything in one go.
/// </summary>
public static partial class TenantValidation
{
    public static Dictionary<string, string[]> Validate(
        string? name, string? id, string? timeZone, string? defaultLanguage, string? defaultCountryCode, string? publicBaseUrl, ProviderSettings? provider)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [message];

        if (name is not null && (string.IsNullOrWhiteSpace(name) || name.Length > 200))
            Add("name", "The name is required and at most 200 characters.");
        if (id is not null && !Tenant.IsValidId(id))
            Add("slug", "The slug is 2 to 40 lowercase letters, digits and hyphens, starting and ending with a letter or digit.");
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            Add("timeZone", $"'{Truncate(timeZone)}' is not a known time zone; use an IANA name such as Europe/Stockholm.");
        if (defaultLanguage is not null && !IsLanguageCode(defaultLanguage))
            Add("defaultLanguage", "The language is a WhatsApp language code such as en, en_US, sv or zh_HK.");
        if (defaultCountryCode is not null && defaultCountryCode.Length > 0 && !CountryCodePattern().IsMatch(defaultCountryCode))
            Add("defaultCountryCode", "The default country code is 1 to 3 digits without '+', such as 46 or 852.");
        if (publicBaseUrl is not null && publicBaseUrl.Length > 0
            && (!Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
                || url.Query.Length > 0 || url.Fragment.Length > 0 || publicBaseUrl.Length > 500))
            Add("publicBaseUrl", "The public base URL is an absolute http(s) URL without query or fragment: where providers reach this app.");
        if (provider is not null)
            ValidateProvider(provider, errors);
        return errors;
    }

    private static void ValidateProvider(ProviderSettings p, Dictionary<string, string[]> errors)
    {
        void Add(string field, string message) => errors["provider." + field] = [message];
        switch (p.Type)
        {
            case ProviderSettings.SandboxType:
                break;
            case ProviderSettings.TwilioType:
                if (p.AccountSid is null || !Sid("AC").IsMatch(p.AccountSid)) Add("accountSid", "A Twilio account SID: AC and 32 hex digits.");
                if (!Secret(p.AuthToken)) Add("authToken", "The account's auth token is required: it signs every webhook.");
                if (p.ApiKeySid is not null && !Sid("SK").IsMatch(p.ApiKeySid)) Add("apiKeySid", "A Twilio API key SID: SK and 32 hex digits.");
                if ((p.ApiKeySid is null) != (p.ApiKeySecret is null)) Add("apiKeySecret", "An API key needs both its SID and its secret.");
                if (p.From is null && p.MessagingServiceSid is null) Add("from", "A sender is required: the WhatsApp number (from) or a messaging service SID.");
                if (p.From is not null && !PhoneNumbers.TryNormalize(p.From, null, out _, out var error)) Add("from", error);
                if (p.MessagingServiceSid is not null && !Sid("MG").IsMatch(p.MessagingServiceSid)) Add("messagingServiceSid", "A messaging service SID: MG and 32 hex digits.");
                break;
            case ProviderSettings.MetaType:
                if (p.PhoneNumberId is null || !NumericId().IsMatch(p.PhoneNumberId)) Add("phoneNumberId", "The WhatsApp phone number id: digits.");
                if (p.BusinessAccountId is null || !NumericId().IsMatch(p.BusinessAccountId)) Add("businessAccountId", "The WhatsApp Business Account id: digits.");
                if (!Secret(p.AccessToken)) Add("accessToken", "An access token is required.");
                if (!Secret(p.AppSecret)) Add("appSecret", "The app secret is required: it signs every webhook.");
                if (!Secret(p.VerifyToken)) Add("verifyToken", "A verify token is required: Meta sends it when the webhook is subscribed.");
                if (p.AppId is not null && !NumericId().IsMatch(p.AppId)) Add("appId", "The Meta app id: digits (optional; needed to submit templates with an image, video or document header).");
                break;
            default:
                errors["provider.type"] = ["The provider is sandbox, twilio or meta."];
                break;
        }
    }

    /// <summary>
    /// Checks consent settings as they will be after <paramref name="change"/> is applied to
    /// <paramref name="current"/>. Fields are named with <paramref name="prefix"/> (<c>consent.</c>
    /// inside a tenant, nothing when the settings are the whole body).
    /// </summary>
    public static Dictionary<string, string[]> ValidateConsent(ConsentSettingsRequest change, ConsentSettings current, string prefix = "")
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) =>
            errors[prefix + field] = errors.TryGetValue(prefix + field, out var earlier) ? [.. earlier, message] : [message];

        IReadOnlyList<string?> optOut = change.OptOutKeywords ?? current.OptOutKeywords;
        IReadOnlyList<string?> optIn = change.OptInKeywords ?? current.OptInKeywords;
        CheckWords("optOutKeywords", optOut, ConsentKeyword.OptIn, "is a built-in opt-in word: customers send it to subscribe again.");
        CheckWords("optInKeywords", optIn, ConsentKeyword.OptOut, "is a built-in opt-out word: it always unsubscribes.");
        var optOutFolded = optOut.OfType<string>().Select(ConsentKeywords.Fold).ToHashSet(StringComparer.Ordinal);
        foreach (var word in optIn.OfType<string>().Where(w => w.Trim().Length > 0 && optOutFolded.Contains(ConsentKeywords.Fold(w))))
        {
            Add("optInKeywords", $"'{Truncate(word.Trim())}' is also an opt-out word; a word belongs to one list only.");
        }
        CheckReplies("optOutReplies", change.OptOutReplies ?? current.OptOutReplies!);
        CheckReplies("optInReplies", change.OptInReplies ?? current.OptInReplies!);

        if (errors.Count == 0 && change.ApplyTo(current).ToJson().Length > TableRules.MaxStringChars)
        {
            // Only text full of quotes, emoji or the like gets here: JSON spells those out at length.
            errors[prefix.Length > 0 ? prefix.TrimEnd('.') : "consent"] = ["The replies are too long altogether to store; shorten them."];
        }
        return errors;

        void CheckWords(string field, IReadOnlyList<string?> words, ConsentKeyword builtInMeaning, string clash)
        {
            if (words.Count > ConsentSettings.MaxKeywords)
            {
                Add(field, $"At most {ConsentSettings.MaxKeywords} words.");
            }
            foreach (var word in words)
            {
                var trimmed = word?.Trim() ?? "";
                if (trimmed.Length is 0 or > ConsentSettings.MaxKeywordLength)
                    Add(field, $"A word is 1 to {ConsentSettings.MaxKeywordLength} characters, not blank{(trimmed.Length > 0 ? $": '{Truncate(trimmed)}'" : "")}.");
                else if (ConsentKeywords.Fold(trimmed).Length == 0)
                    Add(field, $"'{trimmed}' has no letters or digits, so no message could match it.");
                else if (ConsentKeywords.BuiltIn.Classify(trimmed) == builtInMeaning)
                    Add(field, $"'{trimmed}' {clash}");
            }
        }

        void CheckReplies(string field, IReadOnlyDictionary<string, string?> replies)
        {
            if (replies.Count > ConsentSettings.MaxReplyLanguages)
            {
                Add(field, $"Replies in at most {ConsentSettings.MaxReplyLanguages} languages.");
            }
            foreach (var (language, text) in replies)
            {
                var shown = Truncate(language);
                if (!IsLanguageCode(language))
                    Add(field, $"'{shown}' is not a WhatsApp language code such as en, en_US, sv or zh_HK.");
                else if (string.IsNullOrWhiteSpace(text))
                    Add(field, $"The '{shown}' reply is empty; leave the language out to use the built-in reply.");
                else if (text.Trim().Length > ConsentSettings.MaxReplyLength)
                    Add(field, $"The '{shown}' reply is over {ConsentSettings.MaxReplyLength} characters.");
                else if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
                    Add(field, $"The '{shown}' reply contains control characters; line breaks are fine.");
            }
        }
    }

    /// <summary>The auto-archive idle time: whole seconds from an hour to a year, or null (off).</summary>
    public static Dictionary<string, string[]> ValidateAutoArchive(TimeSpan? after, string field = "after")
    {
        var errors = new Dictionary<string, string[]>();
        if (after is { } idle && (idle < Tenant.MinAutoArchiveAfter || idle > Tenant.MaxAutoArchiveAfter || idle.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            errors[field] = ["The idle time before a conversation is archived is whole seconds from 01:00:00 (an hour) to 365.00:00:00 (a year), or null to turn auto-archive off."];
        }
        return errors;
    }

    /// <summary>A WhatsApp language code: en, en_US, sv, zh_HK.</summary>
    public static bool IsLanguageCode(string value) => LanguagePattern().IsMatch(value);

    private static bool Secret(string? value) => !string.IsNullOrWhiteSpace(value) && value.Length <= 1024;

    private static Regex Sid(string prefix) => prefix switch
    {
        "AC" => AccountSidPattern(),
        "SK" => ApiKeySidPattern(),
        _ => ServiceSidPattern(),
    };

    private static string Truncate(string value) => value.Length > 60 ? value[..60] + "…" : value;

    [GeneratedRegex("^[a-z]{2,3}(_[A-Z]{2})?$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex("^[1-9][0-9]{0,2}$")]
    private static partial Regex CountryCodePattern();

    [GeneratedRegex("^[0-9]{5,25}$")]
    private static partial Regex NumericId();

    [GeneratedRegex("^AC[0-9a-f]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^SK[0-9a-f]{32}$")]
    private static partial Regex ApiKeySidPattern();

    [GeneratedRegex("^MG[0-9a-f]{32}$")]
    private static partial Regex ServiceSidPattern();
}
