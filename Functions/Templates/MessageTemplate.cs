namespace Functions.Templates;

/// <summary>WhatsApp's template categories since 2023 (Meta moved every template into these three).</summary>
public enum TemplateCategory
{
    Marketing,
    Utility,
    Authentication,
}

/// <summary>Where a template is in its life: only Approved ones may be sent.</summary>
public enum TemplateStatus
{
    /// <summary>Being written; can be edited and linted, not sent.</summary>
    Draft,
    /// <summary>Submitted to the provider, waiting for review.</summary>
    Pending,
    Approved,
    /// <summary>Refused by the provider; the reason is kept.</summary>
    Rejected,
    /// <summary>Paused by the provider for low quality; cannot be sent until it is active again.</summary>
    Paused,
    /// <summary>Disabled by the provider (or the tenant) for good.</summary>
    Disabled,
}

public enum HeaderFormat
{
    Text,
    Image,
    Video,
    Document,
}

public enum TemplateButtonType
{
    QuickReply,
    /// <summary>A link; its URL may end in one variable (<c>https://shop.example/track/{{1}}</c>).</summary>
    Url,
    PhoneNumber,
    /// <summary>A button that copies a code (a coupon), given at send time.</summary>
    CopyCode,
}

/// <summary>
/// The header: text (at most one variable, with its example) or media (image, video, document;
/// an example file URL for the review).
/// </summary>
public sealed record TemplateHeader(HeaderFormat Format, string? Text = null, string? Example = null, string? MediaExampleUrl = null);

/// <summary>
/// A button. <see cref="Example"/> is the example value of a URL's variable suffix or of the
/// code a copy-code button copies.
/// </summary>
public sealed record TemplateButton(TemplateButtonType Type, string Text, string? Url = null, string? PhoneNumber = null, string? Example = null);

/// <summary>
/// What a template says. The body's parameters are positional (<c>{{1}}</c>, <c>{{2}}</c>, …) or
/// named (<c>{{customer_name}}</c>), never mixed; <see cref="BodyExamples"/> holds an example
/// value for each, by the same key ("1", or "customer_name"), as the providers' reviews require.
/// </summary>
public sealed record TemplateComponents(
    string Body,
    IReadOnlyDictionary<string, string> BodyExamples,
    TemplateHeader? Header = null,
    string? Footer = null,
    IReadOnlyList<TemplateButton>? Buttons = null,
    AuthenticationOptions? Authentication = null);

/// <summary>
/// What an AUTHENTICATION template may choose; WhatsApp fixes the rest (see
/// <see cref="AuthenticationTemplate"/>): whether the body adds "For your security, do not share
/// this code.", the footer "This code expires in N minutes." (1 to 90), and the copy-code
/// button's label (at most 25 characters; WhatsApp's "Copy code" when null).
/// </summary>
public sealed record AuthenticationOptions(bool AddSecurityRecommendation = true, int? CodeExpirationMinutes = null, string? CopyCodeText = null);

/// <summary>WhatsApp's fixed layout of an authentication (one-time password) template with a copy-code button.</summary>
public static class AuthenticationTemplate
{
    /// <summary>The body every authentication template has; <c>{{1}}</c> is the code.</summary>
    public const string Body = "{{1}} is your verification code.";

    /// <summary>Added after the body when <see cref="AuthenticationOptions.AddSecurityRecommendation"/> is on.</summary>
    public const string SecurityRecommendation = "For your security, do not share this code.";

    /// <summary>The copy-code button's label when none is chosen.</summary>
    public const string DefaultCopyCodeText = "Copy code";

    public const int MinCodeExpirationMinutes = 1;
    public const int MaxCodeExpirationMinutes = 90;

    /// <summary>The footer WhatsApp shows for an expiry.</summary>
    public static string ExpirationFooter(int minutes) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"This code expires in {minutes} minutes.");

    public static bool IsValidExpiration(int? minutes) => minutes is null or (>= MinCodeExpirationMinutes and <= MaxCodeExpirationMinutes);
}

/// <summary>
/// What the tenant writes: a name (lowercase letters, digits and underscores), a language
/// (WhatsApp's code: <c>en</c>, <c>en_US</c>, <c>sv</c>), a category, and the components.
/// <see cref="Label"/> keeps a tenant's older category (Shipping Update, Payment Update, …)
/// that was mapped to today's <see cref="Category"/>.
/// </summary>
public sealed record TemplateDefinition(
    string Name,
    string Language,
    TemplateCategory Category,
    TemplateComponents Components,
    string? Label = null);

/// <summary>
/// One version of a tenant's template: what it says, and where it is in review. A template is
/// known by name and language; editing one that was submitted makes a new version, so what the
/// provider approved is never changed in place. <see cref="ProviderName"/> is the name it has at
/// the provider: the name for version 1, <c>{name}_v{n}</c> after (providers key approvals by
/// name and language).
/// </summary>
public sealed record MessageTemplate(
    TemplateDefinition Definition,
    int Version,
    TemplateStatus Status,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn)
{
    public string Name => Definition.Name;
    public string Language => Definition.Language;
    public string ProviderName => Version == 1 ? Name : $"{Name}_v{Version}";
    public string? ProviderTemplateId { get; init; }
    public string? RejectionReason { get; init; }
    public string? QualityRating { get; init; }
    public DateTimeOffset? SubmittedOn { get; init; }
}

/// <summary>Something that happened to a template, for its history: created, edited, submitted, reviewed.</summary>
public sealed record TemplateEvent(DateTimeOffset At, int Version, string Event, TemplateStatus Status, string? Detail = null);
