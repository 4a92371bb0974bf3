using Functions.Contacts;
using Functions.Conversations;

namespace Functions.Outbound;

/// <summary>
/// What may be sent to whom, decided when a send is accepted and again when it goes out:
/// free-form messages only inside the care window; templates at any time, by their purpose's
/// consent (marketing needs an opt-in, utility and authentication only no opt-out). A free-form
/// reply in the window answers the customer's own message, so it needs no consent beyond that.
/// </summary>
public static class SendRules
{
    public const string Service = "service";
    public const string Utility = "utility";
    public const string Marketing = "marketing";
    public const string Authentication = "authentication";

    public static readonly IReadOnlyList<string> TemplatePurposes = [Utility, Marketing, Authentication];

    // Problem codes, also stored as the error code of a message refused at send time.
    public const string CareWindowClosed = "care_window_closed";
    public const string OptedOut = "recipient_opted_out";
    public const string NoMarketingOptIn = "no_marketing_opt_in";

    public static ConsentPurpose? ConsentPurpose(string? purpose) => purpose switch
    {
        Marketing => Contacts.ConsentPurpose.Marketing,
        Utility or Authentication => Contacts.ConsentPurpose.Utility,
        _ => null,
    };

    /// <summary>Why <paramref name="contact"/> (null: never seen) may not get a message for <paramref name="purpose"/>, or null.</summary>
    public static (string Code, string Text)? ConsentRefusal(Contact? contact, ConsentPurpose purpose) => purpose switch
    {
        Contacts.ConsentPurpose.Marketing when contact?.Marketing == ConsentState.OptedOut =>
            (OptedOut, "The contact opted out of marketing messages."),
        Contacts.ConsentPurpose.Marketing when contact?.Marketing != ConsentState.OptedIn =>
            (NoMarketingOptIn, "Marketing messages go only to contacts who opted in; this contact has no marketing opt-in recorded."),
        Contacts.ConsentPurpose.Utility when contact?.Utility == ConsentState.OptedOut =>
            (OptedOut, "The contact opted out of utility messages (order and service updates)."),
        _ => null,
    };

    /// <summary>The reason a free-form message cannot go, saying when the window closed and what to do instead.</summary>
    public static string WindowClosedText(CareWindow window) => window.ExpiresAt is { } closed
        ? $"The customer care window closed at {closed:yyyy-MM-dd HH:mm:ss} UTC, 24 hours after the customer's last message. Outside it only an approved template may be sent."
        : "The customer has not written in this conversation, so no care window is open. Start the conversation with an approved template.";
}
