namespace Functions.Channels;

/// <summary>What a WhatsApp message carries. Providers name these differently; this is our word for each.</summary>
public enum MessageKind
{
    Text,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    Location,
    Contacts,
    /// <summary>A customer's tap on a reply button or list row (inbound), or buttons/a list we send (outbound).</summary>
    Interactive,
    Reaction,
    Template,
    /// <summary>A type the provider sent that we do not model; kept so nothing is dropped silently.</summary>
    Unsupported,
}

/// <summary>WhatsApp's own names for message types (Meta's <c>type</c>), which the sandbox and our API use too.</summary>
public static class MessageKinds
{
    /// <summary>The kind a WhatsApp type name stands for; <see cref="MessageKind.Unsupported"/> for one we do not model.</summary>
    public static MessageKind FromWhatsAppType(string? type) => type switch
    {
        "text" => MessageKind.Text,
        "image" => MessageKind.Image,
        "video" => MessageKind.Video,
        "audio" => MessageKind.Audio,
        "document" => MessageKind.Document,
        "sticker" => MessageKind.Sticker,
        "location" => MessageKind.Location,
        "contacts" => MessageKind.Contacts,
        "interactive" or "button" => MessageKind.Interactive,
        "reaction" => MessageKind.Reaction,
        _ => MessageKind.Unsupported,
    };
}

/// <summary>A message's delivery status. Only moves forward: Queued, Sent, Delivered, Read; Failed is final.</summary>
public enum DeliveryStatus
{
    Queued = 0,
    Sent = 1,
    Delivered = 2,
    Read = 3,
    Failed = 4,
}

public sealed record MediaContent(Uri Url, string? ContentType = null, string? Caption = null, string? FileName = null);

public sealed record LocationContent(double Latitude, double Longitude, string? Name = null, string? Address = null);

/// <summary>A contact card a customer shared: the name shown and the phone numbers on it.</summary>
public sealed record SharedContact(string Name, IReadOnlyList<string> Phones);

/// <summary>The button or list row a customer chose: its id (payload) and the title they saw.</summary>
public sealed record InteractiveReply(string Id, string Title);

/// <summary>A reaction to an earlier message; an empty emoji removes the reaction.</summary>
public sealed record ReactionContent(string MessageId, string Emoji);

/// <summary>
/// Where a conversation came from when a customer tapped a click-to-WhatsApp ad or a page
/// button: opens the longer free-entry-point window where the provider documents one.
/// </summary>
public sealed record Referral(string? SourceType, string? SourceId, string? SourceUrl, string? Headline, string? ClickId);

/// <summary>
/// A template to send: its name and language (Meta), or its Content SID (Twilio), and its
/// variables by key: "1", "2", … for positional parameters, or names for named ones.
/// </summary>
public sealed record TemplateContent(
    string Name,
    string Language,
    IReadOnlyDictionary<string, string> Variables,
    string? ContentSid = null,
    MediaContent? HeaderMedia = null)
{
    /// <summary>The value of a text header's variable (Meta; with Twilio every variable is in <see cref="Variables"/>).</summary>
    public string? HeaderText { get; init; }

    /// <summary>Values for buttons that take one: a URL button's suffix, a copy-code button's code (Meta).</summary>
    public IReadOnlyList<TemplateButtonValue> ButtonValues { get; init; } = [];
}

/// <summary>The value for the button at <paramref name="Index"/> (0-based, as the template lists them).</summary>
public sealed record TemplateButtonValue(int Index, TemplateButtonValueKind Kind, string Value);

public enum TemplateButtonValueKind
{
    /// <summary>The variable end of a URL button's link.</summary>
    UrlSuffix,
    /// <summary>The code a copy-code button copies.</summary>
    CopyCode,
}

public sealed record ReplyButton(string Id, string Title);

public sealed record ListRow(string Id, string Title, string? Description = null);

public sealed record ListSection(string Title, IReadOnlyList<ListRow> Rows);

/// <summary>Reply buttons (up to 3) or a list (a button label and sections of rows) with a body text.</summary>
public sealed record InteractiveContent(
    string Body,
    IReadOnlyList<ReplyButton>? Buttons = null,
    string? ListButton = null,
    IReadOnlyList<ListSection>? Sections = null,
    string? Header = null,
    string? Footer = null);

/// <summary>
/// A message to send to one customer. <see cref="To"/> is E.164 (+ and digits). Exactly the
/// content that matches <see cref="Kind"/> is set: Text for Text; Media for Image, Video,
/// Audio, Document and Sticker; Location; Template; Interactive; Reaction.
/// </summary>
public sealed record OutboundMessage(string To, MessageKind Kind)
{
    public string? Text { get; init; }
    public MediaContent? Media { get; init; }
    public LocationContent? Location { get; init; }
    public TemplateContent? Template { get; init; }
    public InteractiveContent? Interactive { get; init; }
    public ReactionContent? Reaction { get; init; }

    /// <summary>Our message id, for the provider's status callback to name (where it carries one).</summary>
    public string? ClientReference { get; init; }

    /// <summary>Where the provider should post status callbacks for this message (Twilio).</summary>
    public Uri? StatusCallback { get; init; }
}

/// <summary>
/// What a provider answered to an accepted send. A send can be accepted and already failed
/// (Twilio answers 201 with status failed); <see cref="Error"/> then says why.
/// </summary>
public sealed record SendReceipt(string ProviderMessageId, DeliveryStatus Status, ProviderError? Error = null);
