using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Functions.Channels.Twilio;

/// <summary>
/// Turns a Twilio Messaging webhook (an incoming WhatsApp message, or a status callback for one
/// we sent) into our events. Check the signature first (<see cref="TwilioSignature"/>); this
/// only reads.
/// </summary>
/// <remarks>
/// <para>
/// Twilio posts <c>application/x-www-form-urlencoded</c> (or sends the same parameters in the
/// query of a GET). A request with <c>MessageStatus</c> is a status callback; anything else with
/// a <c>MessageSid</c> is an inbound message (<c>MessageStatus=received</c>, which some setups
/// send for inbound messages, counts as inbound too). Twilio adds parameters without notice, so
/// unknown ones are ignored. Parameter names: twilio.com/docs/messaging/guides/webhook-request,
/// twilio.com/docs/whatsapp/message-features, and shared/reference/providers.md §2.
/// </para>
/// <para>
/// Neither webhook carries a time stamp, so events are stamped with the <see cref="TimeProvider"/>'s
/// now: the time we received them. Twilio's ids are stable, so a redelivered webhook parses to
/// the same ids; deduplicate on <see cref="InboundMessageEvent.ProviderMessageId"/> (and on id
/// plus status for status events).
/// </para>
/// <para>
/// Malformed input (not a form, no <c>MessageSid</c>, an inbound message without <c>From</c> or
/// <c>To</c>, unreadable numbers) throws <see cref="FormatException"/>: answer 400. A status
/// value we do not know yields no event (answer 200; nothing to act on).
/// </para>
/// </remarks>
public static class TwilioWebhookParser
{
    /// <summary>The <see cref="ChannelEvent.Provider"/> of Twilio's events.</summary>
    public const string ProviderName = "twilio";

    private const string WhatsAppPrefix = "whatsapp:";

    /// <summary>
    /// The query parameter our status callback URLs carry our message id in, so a callback finds
    /// its message even before the send's answer (and the SID) was recorded, or when it never came.
    /// </summary>
    public const string ClientReferenceParameter = "ref";

    /// <summary>Parses with the system clock.</summary>
    public static IReadOnlyList<ChannelEvent> Parse(WebhookRequest request) => Parse(request, TimeProvider.System);

    /// <exception cref="FormatException">The request is not a Twilio message webhook.</exception>
    public static IReadOnlyList<ChannelEvent> Parse(WebhookRequest request, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var form = ReadParameters(request);
        var now = timeProvider.GetUtcNow();

        var sid = Optional(form, "MessageSid") ?? throw new FormatException("A Twilio webhook needs MessageSid.");
        var status = Optional(form, "MessageStatus");
        if (status is not null && !status.Equals("received", StringComparison.OrdinalIgnoreCase) && !status.Equals("receiving", StringComparison.OrdinalIgnoreCase))
        {
            return StatusEvent(form, sid, status, now) is { } statusEvent
                ? [statusEvent with { ClientReference = ClientReference(request) }]
                : [];
        }
        return [InboundEvent(form, sid, now)];
    }

    private static string? ClientReference(WebhookRequest request) =>
        request.PublicUrl.IsAbsoluteUri
            ? TwilioForm.Parse(request.PublicUrl.Query).FirstOrDefault(p => p.Key == ClientReferenceParameter).Value
            : null;

    /// <summary>The webhook's parameters: the query of a GET, else the form body. Repeated names keep their first value.</summary>
    private static Dictionary<string, string> ReadParameters(WebhookRequest request)
    {
        List<KeyValuePair<string, string>> pairs;
        if (HttpMethods.IsGet(request.Method))
        {
            pairs = TwilioForm.Parse(request.PublicUrl.IsAbsoluteUri ? request.PublicUrl.Query : "");
        }
        else
        {
            var contentType = request.Header("Content-Type");
            if (contentType is not null && !contentType.TrimStart().StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"A Twilio webhook is a form post (application/x-www-form-urlencoded), not '{contentType}'.");
            }
            pairs = TwilioForm.Parse(request.Body);
        }
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            form.TryAdd(key, value);
        }
        return form;
    }

    private static MessageStatusEvent? StatusEvent(Dictionary<string, string> form, string sid, string status, DateTimeOffset now)
    {
        if (TwilioClient.MapStatus(status) is not { } mapped)
        {
            return null;
        }
        ProviderError? error = null;
        if (Optional(form, "ErrorCode") is { } codeText && codeText != "0")
        {
            int? code = int.TryParse(codeText, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : null;
            error = code is null
                ? new ProviderError(codeText, Optional(form, "ErrorMessage") ?? "No details", FailureReason.Other)
                : TwilioErrors.ToProviderError(code, Optional(form, "ErrorMessage"), httpStatus: 0);
        }
        return new MessageStatusEvent(ProviderName, sid, mapped, now)
        {
            Recipient = Optional(form, "To") is { } to ? StripWhatsApp(to) : null,
            Error = error,
        };
    }

    private static InboundMessageEvent InboundEvent(Dictionary<string, string> form, string sid, DateTimeOffset now)
    {
        var from = StripWhatsApp(Optional(form, "From") ?? throw new FormatException("An incoming Twilio message needs From."));
        var to = StripWhatsApp(Optional(form, "To") ?? throw new FormatException("An incoming Twilio message needs To."));
        var body = Optional(form, "Body");
        var media = ReadMedia(form);
        var location = ReadLocation(form);
        var reply = ReadReply(form);
        var messageType = Optional(form, "MessageType");
        var (kind, providerType) = messageType is not null
            ? FromMessageType(messageType)
            : (Infer(media, location, reply, body), null);

        if (media.Count > 0 && body is not null && kind is MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Document or MessageKind.Sticker)
        {
            media[0] = media[0] with { Caption = body }; // Twilio sends a media message's caption as Body
        }

        return new InboundMessageEvent(ProviderName, sid, from, to, now, kind)
        {
            ProfileName = Optional(form, "ProfileName"),
            Text = body,
            Media = media,
            Location = location,
            Reply = reply,
            Referral = ReadReferral(form),
            ContextMessageId = Optional(form, "OriginalRepliedMessageSid"),
            ProviderType = providerType,
        };
    }

    /// <summary>
    /// Twilio's <c>MessageType</c> in our words. Values seen: text, image, video, audio, document,
    /// sticker, location, button (a template quick reply), interactive (a session quick reply or
    /// list choice), contacts, reaction. Unknown ones are kept as Unsupported with their name.
    /// </summary>
    private static (MessageKind Kind, string? ProviderType) FromMessageType(string messageType) => messageType.ToLowerInvariant() switch
    {
        "text" => (MessageKind.Text, null),
        "image" => (MessageKind.Image, null),
        "video" => (MessageKind.Video, null),
        "audio" or "voice" => (MessageKind.Audio, null),
        "document" => (MessageKind.Document, null),
        "sticker" => (MessageKind.Sticker, null),
        "location" => (MessageKind.Location, null),
        "button" or "interactive" => (MessageKind.Interactive, null),
        "contacts" or "contact" => (MessageKind.Contacts, null),
        _ => (MessageKind.Unsupported, messageType),
    };

    /// <summary>Without <c>MessageType</c> (older payloads): from what the message carries.</summary>
    private static MessageKind Infer(List<MediaContent> media, LocationContent? location, InteractiveReply? reply, string? body)
    {
        if (location is not null)
        {
            return MessageKind.Location;
        }
        if (reply is not null)
        {
            return MessageKind.Interactive;
        }
        if (media.Count > 0)
        {
            var type = media[0].ContentType?.ToLowerInvariant() ?? "";
            return type switch
            {
                "image/webp" => MessageKind.Sticker, // WhatsApp stickers are WebP; photos arrive as JPEG
                "text/vcard" or "text/x-vcard" => MessageKind.Contacts,
                _ when type.StartsWith("image/", StringComparison.Ordinal) => MessageKind.Image,
                _ when type.StartsWith("video/", StringComparison.Ordinal) => MessageKind.Video,
                _ when type.StartsWith("audio/", StringComparison.Ordinal) => MessageKind.Audio,
                _ => MessageKind.Document,
            };
        }
        return body is not null ? MessageKind.Text : MessageKind.Unsupported;
    }

    /// <summary><c>NumMedia</c> items from <c>MediaUrl{N}</c> and <c>MediaContentType{N}</c>, N from 0.</summary>
    private static List<MediaContent> ReadMedia(Dictionary<string, string> form)
    {
        var count = 0;
        if (Optional(form, "NumMedia") is { } numMedia
            && (!int.TryParse(numMedia, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > 100))
        {
            throw new FormatException($"NumMedia must be a small whole number, not '{numMedia}'.");
        }
        var media = new List<MediaContent>(count);
        for (var i = 0; i < count; i++)
        {
            var url = Optional(form, $"MediaUrl{i}") ?? throw new FormatException($"NumMedia is {count} but MediaUrl{i} is missing.");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new FormatException($"MediaUrl{i} is not an absolute http(s) URL.");
            }
            media.Add(new MediaContent(uri, Optional(form, $"MediaContentType{i}")));
        }
        return media;
    }

    /// <summary><c>Latitude</c>/<c>Longitude</c>, with <c>Label</c> as the place's name and <c>Address</c>.</summary>
    private static LocationContent? ReadLocation(Dictionary<string, string> form)
    {
        var latitude = Optional(form, "Latitude");
        var longitude = Optional(form, "Longitude");
        if (latitude is null && longitude is null)
        {
            return null;
        }
        if (!double.TryParse(latitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90
            || !double.TryParse(longitude, NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || lon is < -180 or > 180)
        {
            throw new FormatException("Latitude and Longitude must both be numbers within range.");
        }
        return new LocationContent(lat, lon, Optional(form, "Label"), Optional(form, "Address"));
    }

    /// <summary>
    /// A tapped button: <c>ButtonPayload</c> is its id, <c>ButtonText</c> its title. List choices
    /// are read from <c>ListId</c>/<c>ListTitle</c> when present (names not confirmed in Twilio's docs).
    /// </summary>
    private static InteractiveReply? ReadReply(Dictionary<string, string> form)
    {
        var id = Optional(form, "ButtonPayload") ?? Optional(form, "ListId");
        var title = Optional(form, "ButtonText") ?? Optional(form, "ListTitle");
        return id is null && title is null ? null : new InteractiveReply(id ?? title!, title ?? id!);
    }

    /// <summary>Click-to-WhatsApp ad referral: <c>ReferralSourceType</c>, <c>…SourceId</c>, <c>…SourceUrl</c>, <c>…Headline</c>, <c>ReferralCtwaClid</c>.</summary>
    private static Referral? ReadReferral(Dictionary<string, string> form)
    {
        var referral = new Referral(
            Optional(form, "ReferralSourceType"),
            Optional(form, "ReferralSourceId"),
            Optional(form, "ReferralSourceUrl"),
            Optional(form, "ReferralHeadline"),
            Optional(form, "ReferralCtwaClid"));
        return referral is { SourceType: null, SourceId: null, SourceUrl: null, Headline: null, ClickId: null } ? null : referral;
    }

    /// <summary>A parameter's value, or null when absent or empty (Twilio sends empty <c>Body=</c> with media).</summary>
    private static string? Optional(Dictionary<string, string> form, string name) =>
        form.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static string StripWhatsApp(string address) =>
        address.StartsWith(WhatsAppPrefix, StringComparison.OrdinalIgnoreCase) ? address[WhatsAppPrefix.Length..] : address;
}
