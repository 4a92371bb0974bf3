using System.Globalization;
using System.Text.Json;

namespace Functions.Channels.Meta;

/// <summary>
/// Turns a (signature-checked) Cloud API webhook POST into <see cref="ChannelEvent"/>s:
/// <c>{"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"field","value"}]}]}</c>.
/// <list type="bullet">
/// <item><c>messages</c> changes give an <see cref="InboundMessageEvent"/> per <c>value.messages[]</c> and a
/// <see cref="MessageStatusEvent"/> per <c>value.statuses[]</c>.</item>
/// <item><c>message_template_status_update</c> changes give a <see cref="TemplateStatusEvent"/>.</item>
/// <item>Other fields, unknown properties and status values we do not model are skipped, so Meta adding
/// things never breaks intake; every entry, change, message and status in one POST is returned, in order.</item>
/// </list>
/// Phone numbers become E.164 (<c>+</c> and the digits Meta sends). Media arrive as a Meta media id,
/// not a URL; see <see cref="MediaUrl"/>.
/// </summary>
public static class MetaWebhookParser
{
    /// <summary>The <see cref="ChannelEvent.Provider"/> of every event this parser returns.</summary>
    public const string ProviderName = "meta";

    private static readonly MetaClientOptions Defaults = new();

    /// <inheritdoc cref="Parse(WebhookRequest, MetaClientOptions)"/>
    public static IReadOnlyList<ChannelEvent> Parse(WebhookRequest request) => Parse(request, Defaults);

    /// <summary>Parses the webhook; <paramref name="options"/> says which Graph API media URLs point to.</summary>
    /// <exception cref="FormatException">The body is not JSON, not a WhatsApp Business Account webhook, or lacks a field
    /// every message or status has (id, timestamp, sender). The message names the place, never the content.</exception>
    public static IReadOnlyList<ChannelEvent> Parse(WebhookRequest request, MetaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body ?? []);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Meta webhook body is not valid JSON (line {e.LineNumber}, byte {e.BytePositionInLine}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Meta webhook body is not a JSON object.");
            }
            if (Text(root, "object") != "whatsapp_business_account")
            {
                throw new FormatException("Meta webhook 'object' is not 'whatsapp_business_account'; this is not a WhatsApp webhook.");
            }
            if (!root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("Meta webhook has no 'entry' array.");
            }

            var context = new ParseContext(options.BaseUrl, options.ApiVersion);
            var events = new List<ChannelEvent>();
            var e = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                var c = 0;
                foreach (var change in Items(entry, "changes"))
                {
                    var path = $"entry[{e}].changes[{c}].value";
                    if (change.ValueKind == JsonValueKind.Object && change.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Object)
                    {
                        switch (Text(change, "field"))
                        {
                            case "messages":
                                ReadMessages(value, path, context, events);
                                ReadStatuses(value, path, events);
                                break;
                            case "message_template_status_update":
                                events.Add(ReadTemplateStatus(value, path));
                                break;
                        }
                    }
                    c++;
                }
                e++;
            }
            return events;
        }
    }

    /// <summary>
    /// Where an inbound media item is fetched from: the Graph media node
    /// <c>{BaseUrl}/{ApiVersion}/{media-id}</c>. A GET on it with the account's Bearer token answers
    /// <c>{url, mime_type, sha256, file_size, id}</c>, and a second authenticated GET on that <c>url</c>
    /// gives the bytes. The node URL is stored rather than a download URL because download URLs
    /// expire within minutes while the media id stays valid (Meta keeps inbound media for a limited
    /// time); the node URL carries no secret, and its last segment is Meta's media id.
    /// </summary>
    public static Uri MediaUrl(string mediaId, MetaClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaId);
        options ??= Defaults;
        return MetaClientOptions.NodeUrl(options.BaseUrl, options.ApiVersion, mediaId);
    }

    private sealed record ParseContext(Uri BaseUrl, string ApiVersion);

    private static void ReadMessages(JsonElement value, string path, ParseContext context, List<ChannelEvent> events)
    {
        if (!value.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        var to = BusinessNumber(value);
        var m = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = $"{path}.messages[{m++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Meta webhook {at} is not an object.");
            }
            events.Add(ReadMessage(message, at, to, value, context));
        }
    }

    private static InboundMessageEvent ReadMessage(JsonElement message, string at, string to, JsonElement value, ParseContext context)
    {
        var id = Required(message, "id", at);
        var timestamp = UnixTime(message, at);
        var type = Text(message, "type") ?? "";

        // wa_id digits, made E.164. A customer who uses a WhatsApp username may come without a phone
        // number, with only a business-scoped user id (from_user_id, e.g. "US.1234…"); it is kept as is.
        var waId = Text(message, "from");
        var userId = Text(message, "from_user_id");
        var from = waId is { Length: > 0 } ? E164(waId) : userId is { Length: > 0 } ? userId
            : throw new FormatException($"Meta webhook {at} has neither 'from' nor 'from_user_id'.");

        var kind = MessageKinds.FromWhatsAppType(type);

        string? text = null;
        IReadOnlyList<MediaContent> media = [];
        LocationContent? location = null;
        IReadOnlyList<SharedContact> contacts = [];
        InteractiveReply? reply = null;
        ReactionContent? reaction = null;

        switch (kind)
        {
            case MessageKind.Text:
                text = Object(message, "text") is { } body ? Text(body, "body") : null;
                break;
            case MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Document or MessageKind.Sticker:
                media = ReadMedia(Object(message, type), context) is { } item ? [item] : [];
                break;
            case MessageKind.Location:
                location = ReadLocation(Object(message, "location"));
                break;
            case MessageKind.Contacts:
                contacts = ReadContacts(message);
                break;
            case MessageKind.Interactive:
                reply = type == "button" ? ReadTemplateButton(Object(message, "button")) : ReadInteractiveReply(Object(message, "interactive"));
                if (reply is null)
                {
                    // e.g. interactive.nfm_reply (a Flow's answer): not a button or row we model.
                    kind = MessageKind.Unsupported;
                    type = Object(message, "interactive") is { } i && Text(i, "type") is { Length: > 0 } sub ? $"interactive.{sub}" : type;
                }
                break;
            case MessageKind.Reaction:
                reaction = ReadReaction(Object(message, "reaction"));
                if (reaction is null)
                {
                    kind = MessageKind.Unsupported;
                }
                break;
        }

        return new InboundMessageEvent(ProviderName, id, from, to, timestamp, kind)
        {
            ProfileName = ProfileName(value, waId, userId),
            Text = text,
            Media = media,
            Location = location,
            Contacts = contacts,
            Reply = reply,
            Reaction = reaction,
            Referral = ReadReferral(Object(message, "referral")),
            ContextMessageId = Object(message, "context") is { } ctx ? Text(ctx, "id") : null,
            ProviderType = kind == MessageKind.Unsupported ? (type.Length > 0 ? type : "unknown") : null,
            BusinessNumberId = Object(value, "metadata") is { } metadata ? Text(metadata, "phone_number_id") : null,
        };
    }

    /// <summary>
    /// <c>metadata.display_phone_number</c> as E.164: it is the number the customer wrote to, which
    /// is what <see cref="InboundMessageEvent.To"/> means across providers. When absent, the
    /// <c>phone_number_id</c> (a Graph id, no <c>+</c>) is the only identity there is, so it is used.
    /// </summary>
    private static string BusinessNumber(JsonElement value)
    {
        var metadata = Object(value, "metadata");
        var display = metadata is { } md ? Text(md, "display_phone_number") : null;
        var digits = display is null ? "" : new string(display.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length > 0)
        {
            return "+" + digits;
        }
        return (metadata is { } m ? Text(m, "phone_number_id") : null) ?? "";
    }

    private static string? ProfileName(JsonElement value, string? waId, string? userId)
    {
        foreach (var contact in Items(value, "contacts"))
        {
            var matches = (waId is not null && Text(contact, "wa_id") == waId) || (waId is null && userId is not null && Text(contact, "user_id") == userId);
            if (matches && Object(contact, "profile") is { } profile)
            {
                return Text(profile, "name");
            }
        }
        return null;
    }

    /// <summary><c>{"id","mime_type","sha256","caption"?,"filename"?}</c>; the caption stays on the media item.</summary>
    private static MediaContent? ReadMedia(JsonElement? media, ParseContext context)
    {
        if (media is not { } item)
        {
            return null;
        }
        Uri? url = null;
        if (Text(item, "id") is { Length: > 0 } mediaId)
        {
            url = MetaClientOptions.NodeUrl(context.BaseUrl, context.ApiVersion, mediaId);
        }
        else if (Text(item, "url") is { } link && Uri.TryCreate(link, UriKind.Absolute, out var absolute))
        {
            url = absolute;
        }
        return url is null ? null : new MediaContent(url, Text(item, "mime_type"), Text(item, "caption"), Text(item, "filename"));
    }

    private static LocationContent? ReadLocation(JsonElement? location)
    {
        if (location is not { } l || Number(l, "latitude") is not { } latitude || Number(l, "longitude") is not { } longitude)
        {
            return null;
        }
        return new LocationContent(latitude, longitude, Text(l, "name"), Text(l, "address"));
    }

    /// <summary><c>contacts[]: {name:{formatted_name, first_name, last_name…}, phones:[{phone, wa_id, type}], …}</c></summary>
    private static IReadOnlyList<SharedContact> ReadContacts(JsonElement message)
    {
        var result = new List<SharedContact>();
        foreach (var card in Items(message, "contacts"))
        {
            var name = Object(card, "name") is { } n
                ? Text(n, "formatted_name") ?? string.Join(' ', new[] { Text(n, "first_name"), Text(n, "last_name") }.Where(s => !string.IsNullOrEmpty(s)))
                : "";
            var phones = Items(card, "phones").Select(p => Text(p, "phone")).OfType<string>().Where(p => p.Length > 0).ToList();
            result.Add(new SharedContact(name, phones));
        }
        return result;
    }

    /// <summary><c>interactive: {type:"button_reply", button_reply:{id,title}}</c> or <c>{type:"list_reply", list_reply:{id,title,description}}</c>.</summary>
    private static InteractiveReply? ReadInteractiveReply(JsonElement? interactive)
    {
        if (interactive is not { } i)
        {
            return null;
        }
        var chosen = Object(i, "button_reply") ?? Object(i, "list_reply");
        return chosen is { } c && Text(c, "id") is { } id ? new InteractiveReply(id, Text(c, "title") ?? "") : null;
    }

    /// <summary>A template's quick-reply button: <c>button: {payload, text}</c>; the payload is the id we set when sending.</summary>
    private static InteractiveReply? ReadTemplateButton(JsonElement? button)
    {
        if (button is not { } b)
        {
            return null;
        }
        var title = Text(b, "text") ?? "";
        var id = Text(b, "payload") ?? title;
        return id.Length == 0 ? null : new InteractiveReply(id, title);
    }

    /// <summary><c>reaction: {message_id, emoji}</c>; no emoji (or an empty one) means the reaction was removed.</summary>
    private static ReactionContent? ReadReaction(JsonElement? reaction) =>
        reaction is { } r && Text(r, "message_id") is { Length: > 0 } messageId ? new ReactionContent(messageId, Text(r, "emoji") ?? "") : null;

    /// <summary>A click-to-WhatsApp ad or post: <c>referral: {source_url, source_id, source_type, headline, body, media_type, ctwa_clid, …}</c>.</summary>
    private static Referral? ReadReferral(JsonElement? referral) =>
        referral is { } r
            ? new Referral(Text(r, "source_type"), Text(r, "source_id"), Text(r, "source_url"), Text(r, "headline"), Text(r, "ctwa_clid"))
            : null;

    /// <summary><c>statuses[]: {id, status, timestamp, recipient_id, errors?[{code, title, message, error_data:{details}}], conversation?, pricing?}</c></summary>
    private static void ReadStatuses(JsonElement value, string path, List<ChannelEvent> events)
    {
        var s = 0;
        foreach (var status in Items(value, "statuses"))
        {
            var at = $"{path}.statuses[{s++}]";
            DeliveryStatus? delivery = Text(status, "status") switch
            {
                "sent" => DeliveryStatus.Sent,
                "delivered" => DeliveryStatus.Delivered,
                "read" => DeliveryStatus.Read,
                "failed" => DeliveryStatus.Failed,
                _ => null, // e.g. "deleted" (retired) or "played" (voice): nothing our model tracks
            };
            if (delivery is null)
            {
                continue;
            }
            var recipient = Text(status, "recipient_id") is { Length: > 0 } waId ? E164(waId) : Text(status, "recipient_user_id");
            events.Add(new MessageStatusEvent(ProviderName, Required(status, "id", at), delivery.Value, UnixTime(status, at))
            {
                Recipient = recipient,
                Error = Items(status, "errors").Select(ReadError).FirstOrDefault(),
                ClientReference = Text(status, "biz_opaque_callback_data"),
            });
        }
    }

    private static ProviderError ReadError(JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : (int?)null;
        var message = Text(error, "message") ?? Text(error, "title") ?? "Meta reported an error without a message.";
        var details = Object(error, "error_data") is { } data ? Text(data, "details") : null;
        if (!string.IsNullOrEmpty(details) && details != message)
        {
            message = $"{message}: {details}";
        }
        return code is { } known
            ? new ProviderError(known.ToString(CultureInfo.InvariantCulture), message, MetaErrors.Classify(known, 0))
            : new ProviderError("unknown", message, FailureReason.Other);
    }

    /// <summary>
    /// <c>{event, message_template_id, message_template_name, message_template_language, reason, other_info?:{title, description}}</c>.
    /// Meta's reason <c>NONE</c> (approvals) means no reason; for pauses and disables the reason is in <c>other_info</c>.
    /// </summary>
    private static TemplateStatusEvent ReadTemplateStatus(JsonElement value, string at)
    {
        var reason = Text(value, "reason");
        if (string.IsNullOrEmpty(reason) || reason == "NONE")
        {
            reason = Object(value, "other_info") is { } info ? Text(info, "description") ?? Text(info, "title") : null;
        }
        return new TemplateStatusEvent(
            ProviderName,
            Required(value, "message_template_id", at),
            Text(value, "message_template_name") ?? "",
            Text(value, "message_template_language") ?? "",
            Required(value, "event", at))
        {
            Reason = reason,
        };
    }

    private static string E164(string waId) =>
        waId.StartsWith('+') ? waId : "+" + waId;

    private static DateTimeOffset UnixTime(JsonElement element, string at)
    {
        var raw = Text(element, "timestamp");
        if (raw is null || !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            throw new FormatException($"Meta webhook {at}.timestamp is missing or not Unix seconds.");
        }
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static string Required(JsonElement element, string name, string at) =>
        Text(element, name) is { Length: > 0 } text ? text : throw new FormatException($"Meta webhook {at} has no '{name}'.");

    /// <summary>A property as text: strings as they are, numbers as written (Meta sends some ids and timestamps as numbers).</summary>
    private static string? Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    private static double? Number(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            return number;
        }
        return value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
            ? parsed
            : null;
    }

    private static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.Object)
            : [];
}
