using System.Globalization;

namespace Functions.Channels.Twilio;

/// <summary>
/// Twilio's error codes in our terms. The same codes come back synchronously (the REST answer's
/// <c>code</c>) and later in status callbacks (<c>ErrorCode</c>), so both paths classify here.
/// </summary>
/// <remarks>
/// Sources: Twilio's error pages (twilio.com/docs/api/errors/NNNNN) and its WhatsApp error-code
/// mapping table (twilio.com/docs/whatsapp/api/error-code-mapping); see shared/reference/providers.md §4.
/// Codes not listed fall back on the HTTP status: 429 → rate limited, 401/403 → unauthorized,
/// other 4xx → invalid request, 5xx → provider unavailable; with no HTTP status (a status
/// callback) → <see cref="FailureReason.Other"/>.
/// </remarks>
public static class TwilioErrors
{
    private static readonly Dictionary<int, (FailureReason Reason, string Meaning)> Known = new()
    {
        // Care window. 63016: free-form message outside the 24 h window, a template sent in Body
        // (refused since 2025-04-01), or a content type that cannot open a chat (WhatsApp 470).
        [63016] = (FailureReason.OutsideCareWindow, "Outside the WhatsApp 24-hour window: send an approved template by ContentSid"),

        // Rate limits: retry later.
        [20429] = (FailureReason.RateLimited, "Too many concurrent REST requests (HTTP 429); not processed, safe to retry"),
        [63018] = (FailureReason.RateLimited, "WhatsApp channel rate limit: the sender's or account's messaging limit (WhatsApp 429, 471, 1015)"),
        [63017] = (FailureReason.RateLimited, "Account and subaccounts over the total WhatsApp messages-per-second limit"),

        // The recipient cannot be reached on WhatsApp.
        [21211] = (FailureReason.InvalidRecipient, "Invalid 'To' number (not E.164, the sender itself, a short code or an alphanumeric ID)"),
        [21614] = (FailureReason.InvalidRecipient, "'To' is not a valid mobile number (a landline or invalid number)"),
        [63024] = (FailureReason.InvalidRecipient, "Invalid recipient: not on WhatsApp, terms not accepted, or an old app (WhatsApp 1002, 1026)"),
        [63003] = (FailureReason.InvalidRecipient, "The channel could not find the 'To' address: inactive or invalid (WhatsApp 1006, 1013, 1021)"),

        // The recipient said no.
        [21610] = (FailureReason.RecipientOptedOut, "The recipient replied STOP; they must send START to opt back in"),
        [63014] = (FailureReason.RecipientOptedOut, "Blocked by the recipient's action: they blocked the sender or removed consent"),

        // Templates (Content API).
        [63027] = (FailureReason.TemplateProblem, "Template does not exist for the language and locale, or was sent with the wrong parameters (WhatsApp 2001, 2003)"),
        [63028] = (FailureReason.TemplateProblem, "The number of template parameters does not match the template (WhatsApp 2000)"),
        // 63029 is Twilio's code for WhatsApp 2002 (template could not be filled in) per the mapping
        // table; its own page was not read.
        [63029] = (FailureReason.TemplateProblem, "The template could not be rendered with the given parameters (WhatsApp 2002)"),
        [21656] = (FailureReason.TemplateProblem, "ContentVariables is invalid: not a JSON string, a malformed placeholder, or an empty or null value"),

        // Credentials.
        [20003] = (FailureReason.Unauthorized, "Authentication failed or permission denied (HTTP 401)"),

        // Our request or account setup is wrong: fix, don't retry.
        [63021] = (FailureReason.InvalidRequest, "Content rejected by WhatsApp: unsupported media, or a template longer than 1,024 characters after substitution"),
        // 3p source only: a region's geo permission is an account setting, not the recipient's fault.
        [21408] = (FailureReason.InvalidRequest, "Sending to this region is not enabled in the account's geo permissions"),

        // 63032 is Twilio's code for WhatsApp 472, "user's number is part of an experiment" (Meta
        // withholding marketing messages from some users). Not a template problem and not the
        // recipient's fault, so nothing to fix: Other. Twilio's own page was not read.
        [63032] = (FailureReason.Other, "WhatsApp did not deliver: the user's number is part of an experiment (WhatsApp 472)"),
    };

    /// <summary>What a Twilio error means for us: by its code first, else by the HTTP status (0 when there is none).</summary>
    public static FailureReason Classify(int? code, int httpStatus)
    {
        if (code is { } c && Known.TryGetValue(c, out var known))
        {
            return known.Reason;
        }
        return httpStatus switch
        {
            429 => FailureReason.RateLimited,
            401 or 403 => FailureReason.Unauthorized,
            >= 500 and <= 599 => FailureReason.ProviderUnavailable,
            >= 400 and <= 499 => FailureReason.InvalidRequest,
            _ => FailureReason.Other,
        };
    }

    /// <summary>A short English description of a known code, or null.</summary>
    public static string? Describe(int code) => Known.TryGetValue(code, out var known) ? known.Meaning : null;

    /// <summary>
    /// A <see cref="ProviderError"/> for a code and (optional) message; phone numbers in the
    /// message are masked, because these texts end up in logs.
    /// </summary>
    public static ProviderError ToProviderError(int? code, string? message, int httpStatus)
    {
        var text = !string.IsNullOrWhiteSpace(message)
            ? E164.MaskAll(message)
            : code is { } c ? Describe(c) ?? $"Twilio error {c}"
            : httpStatus > 0 ? $"HTTP {httpStatus}" : "No details";
        var codeText = code?.ToString(CultureInfo.InvariantCulture) ?? (httpStatus > 0 ? httpStatus.ToString(CultureInfo.InvariantCulture) : "unknown");
        return new ProviderError(codeText, text, Classify(code, httpStatus));
    }
}
