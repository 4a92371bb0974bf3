using System.Text.RegularExpressions;
using Functions.Channels;
using Functions.Tenants;

namespace Functions.Outbound;

/// <summary>
/// A message to send, as the API takes it. <c>to</c> is only for <c>POST /api/messages</c>. The
/// type says which content field is used: <c>text</c>; <c>image</c>, <c>video</c>, <c>audio</c>,
/// <c>document</c>, <c>sticker</c> (media); <c>location</c>; <c>template</c>; <c>interactive</c>;
/// <c>reaction</c>.
/// </summary>
public sealed record SendRequest(
    string? To,
    string? Type,
    string? Text,
    MediaRequest? Media,
    LocationRequest? Location,
    TemplateSendRequest? Template,
    InteractiveRequest? Interactive,
    ReactionRequest? Reaction);

public sealed record MediaRequest(string? Url, string? Caption, string? Filename, string? ContentType);

public sealed record LocationRequest(double? Latitude, double? Longitude, string? Name, string? Address);

/// <summary>
/// One of the tenant's approved templates by name; the language is optional (else the contact's,
/// else the tenant's default). Parameters by the template's keys: body variables ("1", or
/// "customer_name"), "header.1" for a text header's, "button.0" for a button's; a media header's
/// file in <c>headerMedia</c>.
/// </summary>
public sealed record TemplateSendRequest(string? Name, string? Language, IReadOnlyDictionary<string, string?>? Parameters, MediaRequest? HeaderMedia);

public sealed record InteractiveRequest(string? Body, string? Header, string? Footer, IReadOnlyList<ButtonRequest>? Buttons, string? ListButton, IReadOnlyList<SectionRequest>? Sections);

public sealed record ButtonRequest(string? Id, string? Title);

public sealed record SectionRequest(string? Title, IReadOnlyList<RowRequest>? Rows);

public sealed record RowRequest(string? Id, string? Title, string? Description);

/// <summary>A reaction to a message of the same conversation, by our message id; an empty emoji removes it.</summary>
public sealed record ReactionRequest(string? MessageId, string? Emoji);

/// <summary>
/// A valid request: the message as the provider client takes it (its <c>To</c> set once the
/// recipient is known) and its purpose. A template is only named here: it is looked up (approved,
/// in the contact's language) once the recipient is known, and its content filled in then.
/// </summary>
public sealed record SendContent(OutboundMessage Message, string Purpose, TemplateChoice? Template = null);

/// <summary>Which template to send, with what.</summary>
public sealed record TemplateChoice(string Name, string? Language, IReadOnlyDictionary<string, string> Parameters, MediaContent? HeaderMedia);

public static partial class SendRequestValidation
{
    public const int MaxVariables = 100;
    public const int MaxVariableLength = 1024;

    /// <summary>The types the API sends, by WhatsApp's names (contact cards are not sent: Twilio has no way to).</summary>
    private static readonly string[] Types = ["text", "image", "video", "audio", "document", "sticker", "location", "template", "interactive", "reaction"];

    /// <summary>
    /// The content of <paramref name="request"/>, or null with every problem named in
    /// <paramref name="errors"/> (field → reasons). The reaction's target is checked by the caller.
    /// </summary>
    public static SendContent? Validate(SendRequest request, Tenant tenant, Dictionary<string, string[]> errors)
    {
        var type = request.Type ?? "text";
        if (!Types.Contains(type, StringComparer.Ordinal))
        {
            errors["type"] = [$"The type is one of: {string.Join(", ", Types)}."];
            return null;
        }
        var kind = type == "template" ? MessageKind.Template : MessageKinds.FromWhatsAppType(type);
        var message = new OutboundMessage("", kind);
        var purpose = SendRules.Service; // a template's purpose is its category, known once it is looked up
        TemplateChoice? choice = null;
        switch (kind)
        {
            case MessageKind.Text:
                var max = ChannelSender.MaxTextLength(tenant);
                if (string.IsNullOrWhiteSpace(request.Text)) errors["text"] = ["A text message needs text."];
                else if (request.Text.Length > max) errors["text"] = [$"The text is at most {max} characters with the tenant's provider ({tenant.Provider.Type})."];
                message = message with { Text = request.Text };
                break;
            case MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Document or MessageKind.Sticker:
                message = message with { Media = Media(request.Media, "media", errors) };
                break;
            case MessageKind.Location:
                message = message with { Location = Location(request.Location, errors) };
                break;
            case MessageKind.Template:
                choice = Template(request.Template, errors);
                break;
            case MessageKind.Interactive:
                message = message with { Interactive = Interactive(request.Interactive, errors) };
                break;
            case MessageKind.Reaction:
                if (request.Reaction is null || !Conversations.ConversationMessage.IsValidId(request.Reaction.MessageId))
                {
                    errors["reaction.messageId"] = ["A reaction names the message it reacts to by its id (msg…)."];
                }
                if (request.Reaction?.Emoji is { } emoji && (emoji.Length > 16 || emoji.Any(char.IsWhiteSpace)))
                {
                    errors["reaction.emoji"] = ["The emoji is a single emoji, or empty to remove the reaction."];
                }
                // Our id for now; the endpoint puts the provider's id of that message in its place.
                message = message with { Reaction = new ReactionContent(request.Reaction?.MessageId ?? "", request.Reaction?.Emoji ?? "") };
                break;
        }
        return errors.Count == 0 ? new SendContent(message, purpose, choice) : null;
    }

    private static MediaContent? Media(MediaRequest? media, string field, Dictionary<string, string[]> errors)
    {
        if (media?.Url is null)
        {
            errors[$"{field}.url"] = ["A media message needs the file's public https URL."];
            return null;
        }
        if (!Uri.TryCreate(media.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || media.Url.Length > 2000)
        {
            errors[$"{field}.url"] = ["The media URL is an absolute http(s) URL (at most 2,000 characters) the provider can fetch."];
        }
        if (media.Caption?.Length > 1024) errors[$"{field}.caption"] = ["The caption is at most 1,024 characters."];
        if (media.Filename?.Length > 240) errors[$"{field}.filename"] = ["The file name is at most 240 characters."];
        if (media.ContentType is { } type && (type.Length > 100 || !type.Contains('/'))) errors[$"{field}.contentType"] = ["The content type is a MIME type such as image/jpeg."];
        return url is null ? null : new MediaContent(url, media.ContentType, Blank(media.Caption), Blank(media.Filename));
    }

    private static LocationContent? Location(LocationRequest? location, Dictionary<string, string[]> errors)
    {
        if (location?.Latitude is not { } latitude || latitude is < -90 or > 90) errors["location.latitude"] = ["The latitude is -90 to 90."];
        if (location?.Longitude is not { } longitude || longitude is < -180 or > 180) errors["location.longitude"] = ["The longitude is -180 to 180."];
        if (location?.Name?.Length > 1000) errors["location.name"] = ["The name is at most 1,000 characters."];
        if (location?.Address?.Length > 1000) errors["location.address"] = ["The address is at most 1,000 characters."];
        return location?.Latitude is { } lat && location.Longitude is { } lon ? new LocationContent(lat, lon, Blank(location.Name), Blank(location.Address)) : null;
    }

    private static TemplateChoice? Template(TemplateSendRequest? template, Dictionary<string, string[]> errors)
    {
        if (template is null)
        {
            errors["template"] = ["A template message needs the template: its name, and its parameters."];
            return null;
        }
        if (!Templates.TemplateRequestValidation.IsValidName(template.Name)) errors["template.name"] = ["The template name is lowercase letters, digits and underscores (at most 512)."];
        if (template.Language is not null && !TenantValidation.IsLanguageCode(template.Language)) errors["template.language"] = ["The language is a WhatsApp language code such as en, en_US or sv (or leave it out: the contact's, else the tenant's default)."];
        if (template.Parameters?.Count > MaxVariables) errors["template.parameters"] = [$"At most {MaxVariables} parameters."];
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in template.Parameters ?? new Dictionary<string, string?>())
        {
            if (key.Length is 0 or > 64) errors["template.parameters"] = ["A parameter's key is the template's variable: \"1\", \"customer_name\", \"header.1\", \"button.0\"."];
            else if (value?.Length > MaxVariableLength) errors[$"template.parameters.{key}"] = [$"A parameter is at most {MaxVariableLength} characters."];
            else parameters[key] = value ?? "";
        }
        var headerMedia = template.HeaderMedia is null ? null : Media(template.HeaderMedia, "template.headerMedia", errors);
        return template.Name is null ? null : new TemplateChoice(template.Name, template.Language, parameters, headerMedia);
    }

    private static InteractiveContent? Interactive(InteractiveRequest? interactive, Dictionary<string, string[]> errors)
    {
        if (interactive is null || string.IsNullOrWhiteSpace(interactive.Body) || interactive.Body.Length > 1024)
        {
            errors["interactive.body"] = ["Interactive messages need a body of 1 to 1,024 characters."];
            return null;
        }
        if (interactive.Header?.Length > 60) errors["interactive.header"] = ["The header is at most 60 characters."];
        if (interactive.Footer?.Length > 60) errors["interactive.footer"] = ["The footer is at most 60 characters."];
        var hasButtons = interactive.Buttons is { Count: > 0 };
        var hasList = interactive.Sections is { Count: > 0 };
        if (hasButtons == hasList)
        {
            errors["interactive"] = ["Give either buttons (1 to 3) or a list (listButton and sections), not both."];
            return null;
        }
        if (hasButtons)
        {
            if (interactive.Buttons!.Count > 3) errors["interactive.buttons"] = ["At most 3 reply buttons."];
            for (var i = 0; i < interactive.Buttons.Count; i++)
            {
                var b = interactive.Buttons[i];
                if (b.Id is not { Length: > 0 and <= 256 }) errors[$"interactive.buttons[{i}].id"] = ["A button id is 1 to 256 characters."];
                if (b.Title is not { Length: > 0 and <= 20 }) errors[$"interactive.buttons[{i}].title"] = ["A button title is 1 to 20 characters."];
            }
            if (interactive.Buttons.Select(b => b.Id).Distinct().Count() != interactive.Buttons.Count) errors["interactive.buttons"] = ["Button ids are unique."];
            return new InteractiveContent(interactive.Body, [.. interactive.Buttons.Select(b => new ReplyButton(b.Id ?? "", b.Title ?? ""))], Header: Blank(interactive.Header), Footer: Blank(interactive.Footer));
        }
        if (interactive.ListButton is not { Length: > 0 and <= 20 }) errors["interactive.listButton"] = ["A list needs the label of the button that opens it (1 to 20 characters)."];
        if (interactive.Sections!.Count > 10) errors["interactive.sections"] = ["At most 10 sections."];
        var rows = interactive.Sections.SelectMany(s => s.Rows ?? []).ToList();
        if (rows.Count is < 1 or > 10) errors["interactive.sections"] = ["A list has 1 to 10 rows in all."];
        for (var i = 0; i < interactive.Sections.Count; i++)
        {
            var s = interactive.Sections[i];
            if (s.Title?.Length > 24 || (interactive.Sections.Count > 1 && string.IsNullOrWhiteSpace(s.Title))) errors[$"interactive.sections[{i}].title"] = ["A section title is at most 24 characters (required with several sections)."];
            for (var j = 0; j < (s.Rows?.Count ?? 0); j++)
            {
                var r = s.Rows![j];
                if (r.Id is not { Length: > 0 and <= 200 }) errors[$"interactive.sections[{i}].rows[{j}].id"] = ["A row id is 1 to 200 characters."];
                if (r.Title is not { Length: > 0 and <= 24 }) errors[$"interactive.sections[{i}].rows[{j}].title"] = ["A row title is 1 to 24 characters."];
                if (r.Description?.Length > 72) errors[$"interactive.sections[{i}].rows[{j}].description"] = ["A row description is at most 72 characters."];
            }
        }
        if (rows.Select(r => r.Id).Distinct().Count() != rows.Count) errors["interactive.sections"] = ["Row ids are unique across the list."];
        return new InteractiveContent(interactive.Body, ListButton: interactive.ListButton,
            Sections: [.. interactive.Sections.Select(s => new ListSection(s.Title ?? "", [.. (s.Rows ?? []).Select(r => new ListRow(r.Id ?? "", r.Title ?? "", Blank(r.Description)))]))],
            Header: Blank(interactive.Header), Footer: Blank(interactive.Footer));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();
}
