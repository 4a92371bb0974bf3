using System.Globalization;
using System.Text.Json;

namespace Functions.Channels.Meta;

/// <summary>
/// Writes the JSON bodies of <c>POST /{phone-number-id}/messages</c>: one per
/// <see cref="MessageKind"/>, and the mark-as-read body. Checks what Meta would refuse anyway
/// when we can tell early (missing content, more than 3 buttons, …) and throws
/// <see cref="ArgumentException"/> naming the field; everything else is left to Meta.
/// </summary>
internal static class MetaMessagePayload
{
    /// <summary>Meta's documented maximum for <c>biz_opaque_callback_data</c>.</summary>
    internal const int MaxClientReferenceLength = 512;

    public static byte[] Message(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var to = RecipientNumber(message.To);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("messaging_product", "whatsapp");
            json.WriteString("recipient_type", "individual");
            json.WriteString("to", to);
            if (message.ClientReference is { } reference)
            {
                if (reference.Length == 0 || reference.Length > MaxClientReferenceLength)
                {
                    throw new ArgumentException($"OutboundMessage.ClientReference must be 1 to {MaxClientReferenceLength} characters for Meta.", nameof(message));
                }
                // Echoed back on this message's status webhooks.
                json.WriteString("biz_opaque_callback_data", reference);
            }

            switch (message.Kind)
            {
                case MessageKind.Text:
                    WriteText(json, Require(message.Text, "Text", message.Kind));
                    break;
                case MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Document or MessageKind.Sticker:
                    WriteMedia(json, message.Kind, Require(message.Media, "Media", message.Kind));
                    break;
                case MessageKind.Location:
                    WriteLocation(json, Require(message.Location, "Location", message.Kind));
                    break;
                case MessageKind.Template:
                    WriteTemplate(json, Require(message.Template, "Template", message.Kind));
                    break;
                case MessageKind.Interactive:
                    WriteInteractive(json, Require(message.Interactive, "Interactive", message.Kind));
                    break;
                case MessageKind.Reaction:
                    WriteReaction(json, Require(message.Reaction, "Reaction", message.Kind));
                    break;
                default:
                    throw new ArgumentException($"Meta cannot send a message of kind {message.Kind}.", nameof(message));
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static byte[] MarkRead(string providerMessageId)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("messaging_product", "whatsapp");
            json.WriteString("status", "read");
            json.WriteString("message_id", providerMessageId);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Meta accepts <c>+</c>, spaces, hyphens and parentheses in <c>to</c> and recommends the plus
    /// sign with the country code: without the plus, the business number's own country code is
    /// prepended, which can deliver to the wrong person. So E.164 goes out exactly as given.
    /// </summary>
    internal static string RecipientNumber(string? to)
    {
        if (string.IsNullOrEmpty(to) || to.Length < 7 || to.Length > 16 || to[0] != '+' || to[1] == '0'
            || to.AsSpan(1).ContainsAnyExceptInRange('0', '9'))
        {
            throw new ArgumentException("OutboundMessage.To must be an E.164 number: '+' and 6 to 15 digits, no leading zero.", "message");
        }
        return to;
    }

    private static T Require<T>(T? value, string field, MessageKind kind) where T : class =>
        value ?? throw new ArgumentException($"OutboundMessage.{field} is required for a {kind} message.", "message");

    private static void WriteText(Utf8JsonWriter json, string text)
    {
        if (text.Length == 0)
        {
            throw new ArgumentException("OutboundMessage.Text must not be empty.", "message");
        }
        json.WriteString("type", "text");
        json.WriteStartObject("text");
        json.WriteString("body", text);
        if (HasLink(text))
        {
            // Meta renders a link preview only when asked.
            json.WriteBoolean("preview_url", true);
        }
        json.WriteEndObject();
    }

    private static bool HasLink(string text) =>
        text.Contains("https://", StringComparison.OrdinalIgnoreCase) || text.Contains("http://", StringComparison.OrdinalIgnoreCase);

    private static void WriteMedia(Utf8JsonWriter json, MessageKind kind, MediaContent media)
    {
        var type = kind switch
        {
            MessageKind.Image => "image",
            MessageKind.Video => "video",
            MessageKind.Audio => "audio",
            MessageKind.Document => "document",
            _ => "sticker",
        };
        // Audio and stickers carry no caption; only documents carry a file name. Refuse rather
        // than drop what the caller asked for.
        if (media.Caption is not null && kind is MessageKind.Audio or MessageKind.Sticker)
        {
            throw new ArgumentException($"MediaContent.Caption is not supported for {kind} messages on WhatsApp.", "message");
        }
        if (media.FileName is not null && kind != MessageKind.Document)
        {
            throw new ArgumentException("MediaContent.FileName is only sent with Document messages.", "message");
        }
        json.WriteString("type", type);
        json.WriteStartObject(type);
        json.WriteString("link", MediaLink(media.Url));
        if (media.Caption is not null)
        {
            json.WriteString("caption", media.Caption);
        }
        if (media.FileName is not null)
        {
            json.WriteString("filename", media.FileName);
        }
        json.WriteEndObject();
    }

    private static string MediaLink(Uri? url)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("MediaContent.Url must be an absolute http(s) URL Meta can download.", "message");
        }
        return url.AbsoluteUri;
    }

    private static void WriteLocation(Utf8JsonWriter json, LocationContent location)
    {
        if (!(location.Latitude is >= -90 and <= 90) || !(location.Longitude is >= -180 and <= 180))
        {
            throw new ArgumentException("LocationContent.Latitude must be within ±90 and Longitude within ±180.", "message");
        }
        json.WriteString("type", "location");
        json.WriteStartObject("location");
        json.WriteNumber("latitude", location.Latitude);
        json.WriteNumber("longitude", location.Longitude);
        if (location.Name is not null)
        {
            json.WriteString("name", location.Name);
        }
        if (location.Address is not null)
        {
            json.WriteString("address", location.Address);
        }
        json.WriteEndObject();
    }

    private static void WriteTemplate(Utf8JsonWriter json, TemplateContent template)
    {
        if (string.IsNullOrEmpty(template.Name) || string.IsNullOrEmpty(template.Language))
        {
            throw new ArgumentException("TemplateContent.Name and Language are required for Meta.", "message");
        }
        var parameters = BodyParameters(template.Variables ?? new Dictionary<string, string>());

        json.WriteString("type", "template");
        json.WriteStartObject("template");
        json.WriteString("name", template.Name);
        json.WriteStartObject("language");
        // Meta's codes are like "en_US"; a BCP 47 tag ("en-US") is accepted and converted.
        json.WriteString("code", template.Language.Replace('-', '_'));
        json.WriteEndObject();
        if (template.HeaderMedia is not null || template.HeaderText is not null || parameters.Count > 0 || template.ButtonValues.Count > 0)
        {
            json.WriteStartArray("components");
            if (template.HeaderMedia is { } header)
            {
                var type = HeaderMediaType(header);
                json.WriteStartObject();
                json.WriteString("type", "header");
                json.WriteStartArray("parameters");
                json.WriteStartObject();
                json.WriteString("type", type);
                json.WriteStartObject(type);
                json.WriteString("link", MediaLink(header.Url));
                if (type == "document" && header.FileName is not null)
                {
                    json.WriteString("filename", header.FileName);
                }
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else if (template.HeaderText is { } headerText)
            {
                json.WriteStartObject();
                json.WriteString("type", "header");
                json.WriteStartArray("parameters");
                json.WriteStartObject();
                json.WriteString("type", "text");
                json.WriteString("text", headerText);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            if (parameters.Count > 0)
            {
                json.WriteStartObject();
                json.WriteString("type", "body");
                json.WriteStartArray("parameters");
                foreach (var (name, value) in parameters)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "text");
                    if (name is not null)
                    {
                        json.WriteString("parameter_name", name);
                    }
                    json.WriteString("text", value);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            foreach (var button in template.ButtonValues.OrderBy(b => b.Index))
            {
                // {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"…"}]};
                // a copy-code button's parameter is {"type":"coupon_code","coupon_code":"…"}.
                json.WriteStartObject();
                json.WriteString("type", "button");
                json.WriteString("sub_type", button.Kind == TemplateButtonValueKind.CopyCode ? "copy_code" : "url");
                json.WriteString("index", button.Index.ToString(CultureInfo.InvariantCulture));
                json.WriteStartArray("parameters");
                json.WriteStartObject();
                if (button.Kind == TemplateButtonValueKind.CopyCode)
                {
                    json.WriteString("type", "coupon_code");
                    json.WriteString("coupon_code", button.Value);
                }
                else
                {
                    json.WriteString("type", "text");
                    json.WriteString("text", button.Value);
                }
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// Positional variables ("1", "2", …) become body parameters in numeric order without a name;
    /// named ones (a template created with <c>parameter_format: NAMED</c>) each carry
    /// <c>parameter_name</c>. A template uses one format or the other, never both.
    /// </summary>
    private static List<(string? Name, string Value)> BodyParameters(IReadOnlyDictionary<string, string> variables)
    {
        var result = new List<(string? Name, string Value)>(variables.Count);
        if (variables.Count == 0)
        {
            return result;
        }
        foreach (var (key, value) in variables)
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"Template variable '{key}' has no value; Meta refuses empty parameters.", "message");
            }
        }
        var positional = variables.Keys.Count(IsPositionalKey);
        if (positional == variables.Count)
        {
            var ordered = variables.OrderBy(v => int.Parse(v.Key, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                if (int.Parse(ordered[i].Key, NumberStyles.None, CultureInfo.InvariantCulture) != i + 1)
                {
                    throw new ArgumentException($"Template variables must be numbered 1 to {ordered.Count} without gaps; '{i + 1}' is missing.", "message");
                }
                result.Add((null, ordered[i].Value));
            }
            return result;
        }
        if (positional > 0)
        {
            throw new ArgumentException("Template variables must be all positional (\"1\", \"2\", …) or all named, not a mix.", "message");
        }
        foreach (var (key, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (!IsNamedKey(key))
            {
                throw new ArgumentException($"Template variable name '{key}' is not valid: Meta names use lowercase letters, digits and underscores.", "message");
            }
            result.Add((key, value));
        }
        return result;
    }

    private static bool IsPositionalKey(string key) =>
        key.Length is > 0 and <= 3 && key[0] != '0' && !key.AsSpan().ContainsAnyExceptInRange('0', '9');

    private static bool IsNamedKey(string key) =>
        key.Length is > 0 and <= 64 && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>A template's media header is an image, a video or a document; the content type says which, else the file extension, else document.</summary>
    private static string HeaderMediaType(MediaContent media)
    {
        var contentType = media.ContentType ?? "";
        if (contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return "image";
        }
        if (contentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase))
        {
            return "video";
        }
        if (contentType.Length == 0 && media.Url is { IsAbsoluteUri: true } url)
        {
            var extension = Path.GetExtension(url.AbsolutePath).ToLowerInvariant();
            if (extension is ".jpg" or ".jpeg" or ".png")
            {
                return "image";
            }
            if (extension is ".mp4" or ".3gp")
            {
                return "video";
            }
        }
        return "document";
    }

    private static void WriteInteractive(Utf8JsonWriter json, InteractiveContent interactive)
    {
        if (string.IsNullOrEmpty(interactive.Body))
        {
            throw new ArgumentException("InteractiveContent.Body is required.", "message");
        }
        var hasButtons = interactive.Buttons is { Count: > 0 };
        var hasList = interactive.Sections is { Count: > 0 } || interactive.ListButton is not null;
        if (hasButtons == hasList)
        {
            throw new ArgumentException("InteractiveContent needs either Buttons or a list (ListButton and Sections), not both.", "message");
        }

        json.WriteString("type", "interactive");
        json.WriteStartObject("interactive");
        json.WriteString("type", hasButtons ? "button" : "list");
        if (interactive.Header is not null)
        {
            json.WriteStartObject("header");
            json.WriteString("type", "text");
            json.WriteString("text", interactive.Header);
            json.WriteEndObject();
        }
        json.WriteStartObject("body");
        json.WriteString("text", interactive.Body);
        json.WriteEndObject();
        if (interactive.Footer is not null)
        {
            json.WriteStartObject("footer");
            json.WriteString("text", interactive.Footer);
            json.WriteEndObject();
        }
        json.WriteStartObject("action");
        if (hasButtons)
        {
            WriteButtons(json, interactive.Buttons!);
        }
        else
        {
            WriteList(json, interactive);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteButtons(Utf8JsonWriter json, IReadOnlyList<ReplyButton> buttons)
    {
        if (buttons.Count > 3)
        {
            throw new ArgumentException("InteractiveContent.Buttons: WhatsApp allows at most 3 reply buttons.", "message");
        }
        if (buttons.Select(b => b.Id).Distinct(StringComparer.Ordinal).Count() != buttons.Count)
        {
            throw new ArgumentException("InteractiveContent.Buttons: button ids must be unique.", "message");
        }
        json.WriteStartArray("buttons");
        foreach (var button in buttons)
        {
            if (string.IsNullOrEmpty(button.Id) || string.IsNullOrEmpty(button.Title))
            {
                throw new ArgumentException("InteractiveContent.Buttons: every button needs an Id and a Title.", "message");
            }
            json.WriteStartObject();
            json.WriteString("type", "reply");
            json.WriteStartObject("reply");
            json.WriteString("id", button.Id);
            json.WriteString("title", button.Title);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteList(Utf8JsonWriter json, InteractiveContent interactive)
    {
        if (string.IsNullOrEmpty(interactive.ListButton) || interactive.Sections is not { Count: > 0 } sections)
        {
            throw new ArgumentException("InteractiveContent: a list needs a ListButton label and at least one section.", "message");
        }
        var rows = sections.SelectMany(s => s.Rows ?? []).ToList();
        if (rows.Count == 0 || rows.Count > 10 || sections.Count > 10)
        {
            throw new ArgumentException("InteractiveContent.Sections: a list has 1 to 10 rows in all, in at most 10 sections.", "message");
        }
        if (rows.Any(r => string.IsNullOrEmpty(r.Id) || string.IsNullOrEmpty(r.Title)))
        {
            throw new ArgumentException("InteractiveContent.Sections: every row needs an Id and a Title.", "message");
        }
        if (rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count() != rows.Count)
        {
            throw new ArgumentException("InteractiveContent.Sections: row ids must be unique across the list.", "message");
        }
        if (sections.Count > 1 && sections.Any(s => string.IsNullOrEmpty(s.Title)))
        {
            throw new ArgumentException("InteractiveContent.Sections: with more than one section, each needs a Title.", "message");
        }
        json.WriteString("button", interactive.ListButton);
        json.WriteStartArray("sections");
        foreach (var section in sections)
        {
            json.WriteStartObject();
            if (!string.IsNullOrEmpty(section.Title))
            {
                json.WriteString("title", section.Title);
            }
            json.WriteStartArray("rows");
            foreach (var row in section.Rows ?? [])
            {
                json.WriteStartObject();
                json.WriteString("id", row.Id);
                json.WriteString("title", row.Title);
                if (row.Description is not null)
                {
                    json.WriteString("description", row.Description);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteReaction(Utf8JsonWriter json, ReactionContent reaction)
    {
        if (string.IsNullOrEmpty(reaction.MessageId))
        {
            throw new ArgumentException("ReactionContent.MessageId is required.", "message");
        }
        json.WriteString("type", "reaction");
        json.WriteStartObject("reaction");
        json.WriteString("message_id", reaction.MessageId);
        // An empty emoji removes an earlier reaction.
        json.WriteString("emoji", reaction.Emoji ?? "");
        json.WriteEndObject();
    }
}
