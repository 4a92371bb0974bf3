using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Channels.Twilio;

/// <summary>
/// Sends WhatsApp messages through Twilio's Messages API
/// (<c>POST {BaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>, form-encoded, Basic auth).
/// One instance serves every tenant: the account comes with each call. Thread-safe.
/// </summary>
/// <remarks>
/// <para>What each <see cref="MessageKind"/> becomes:</para>
/// <list type="bullet">
/// <item>Text: <c>Body</c>.</item>
/// <item>Image, Video, Audio, Document, Sticker: <c>MediaUrl</c>, and <c>Body</c> = the caption when there is one.
/// Twilio takes the file name from the URL; <see cref="MediaContent.FileName"/> has no field to go in.</item>
/// <item>Template: <c>ContentSid</c> and <c>ContentVariables</c> (the variables as a JSON object), and
/// never <c>Body</c> or <c>MediaUrl</c>: since 2025-04-01 a template sent in <c>Body</c> outside
/// the care window fails with 63016.</item>
/// <item>Location: <c>Body</c> = the place's name and <c>PersistentAction=geo:{lat},{long}|{label}</c>
/// with the address as label, as Twilio documents for WhatsApp session messages
/// (twilio.com/docs/whatsapp/message-features, "Location Messages with WhatsApp").</item>
/// <item>Interactive (buttons, lists), Reaction, Contacts: refused with <see cref="NotSupportedException"/>.
/// Twilio sends buttons and lists only as Content templates (<c>twilio/quick-reply</c>,
/// <c>twilio/list-picker</c>), which go out as Template with their Content SID; its Messages
/// API documents no reaction or contact-card field.</item>
/// </list>
/// <para>Failures:</para>
/// <list type="bullet">
/// <item>Twilio answered with an error: <see cref="ChannelSendException"/> with Twilio's code,
/// message and our <see cref="FailureReason"/> (<see cref="TwilioErrors"/>), and <c>Retry-After</c> when given.</item>
/// <item>The connection could not be opened (refused, DNS, TLS): nothing reached Twilio, so
/// <see cref="ChannelSendException"/> with <see cref="FailureReason.ProviderUnavailable"/>,
/// HTTP status 0 and <see cref="ChannelSendException.IsRetryable"/>.</item>
/// <item>Anything after the request may have left (time-out, connection lost, an unreadable 2xx
/// answer): <see cref="SendOutcomeUnknownException"/>. It must not be resent blindly; the status
/// callback settles what happened.</item>
/// <item>The caller's own cancellation: <see cref="OperationCanceledException"/>, as usual. A send
/// cancelled in flight may still have reached Twilio; the caller who cancelled owns that.</item>
/// </list>
/// <para>The client never retries. Logs carry SIDs, statuses, codes and masked numbers only.</para>
/// </remarks>
public sealed partial class TwilioClient
{
    private readonly TwilioTransport _transport;
    private readonly TwilioClientOptions _options;
    private readonly ILogger _logger;

    public TwilioClient(HttpClient http, TwilioClientOptions options)
        : this(http, options, null)
    {
    }

    public TwilioClient(HttpClient http, TwilioClientOptions options, ILogger<TwilioClient>? logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _transport = new TwilioTransport(http, options, _logger);
    }

    /// <summary>Sends one message and returns Twilio's message SID and first status.</summary>
    /// <exception cref="ArgumentException">The message does not carry what its kind needs, or a value Twilio would refuse (not E.164, a bad Content SID).</exception>
    /// <exception cref="NotSupportedException">Twilio has no way to send this kind directly.</exception>
    /// <exception cref="ChannelSendException">Twilio refused the message, or could not be reached at all.</exception>
    /// <exception cref="SendOutcomeUnknownException">The request may have reached Twilio but no usable answer came back.</exception>
    public async Task<SendReceipt> SendAsync(TwilioAccount account, OutboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(message);
        var fields = BuildForm(account, message);

        using var request = new HttpRequestMessage(HttpMethod.Post, MessagesUri(account.AccountSid))
        {
            Content = new FormUrlEncodedContent(fields),
        };
        var to = E164.Mask(message.To);
        var (status, body) = await _transport.SendAsync(account, request, $"message to {to}", cancellationToken).ConfigureAwait(false);
        var receipt = ReadReceipt(body)
            ?? throw new SendOutcomeUnknownException($"Twilio answered HTTP {status} but the answer has no message SID; the message was probably accepted but cannot be tracked.");
        LogAccepted(_logger, receipt.ProviderMessageId, to, receipt.Status, null);
        return receipt;
    }

    private Uri MessagesUri(string accountSid)
    {
        var baseUrl = _options.BaseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri($"{baseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(accountSid)}/Messages.json");
    }

    /// <summary>The form fields for one message, in a stable order.</summary>
    internal static List<KeyValuePair<string, string>> BuildForm(TwilioAccount account, OutboundMessage message)
    {
        if (!E164.IsValid(message.To))
        {
            throw new ArgumentException($"{nameof(OutboundMessage)}.{nameof(OutboundMessage.To)} must be an E.164 number ('+' and 7 to 15 digits).", nameof(message));
        }
        var fields = new List<KeyValuePair<string, string>> { new("To", "whatsapp:" + message.To) };
        if (account.From is not null)
        {
            fields.Add(new("From", "whatsapp:" + account.From));
        }
        if (account.MessagingServiceSid is not null)
        {
            fields.Add(new("MessagingServiceSid", account.MessagingServiceSid));
        }

        switch (message.Kind)
        {
            case MessageKind.Text:
                if (string.IsNullOrEmpty(message.Text))
                {
                    throw new ArgumentException("A Text message needs Text.", nameof(message));
                }
                fields.Add(new("Body", message.Text));
                break;

            case MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Document or MessageKind.Sticker:
                var media = message.Media ?? throw new ArgumentException($"A {message.Kind} message needs Media.", nameof(message));
                RequirePublicUrl(media.Url, "Media.Url");
                if (!string.IsNullOrEmpty(media.Caption))
                {
                    fields.Add(new("Body", media.Caption));
                }
                fields.Add(new("MediaUrl", media.Url.AbsoluteUri));
                break;

            case MessageKind.Template:
                AddTemplate(fields, message.Template ?? throw new ArgumentException("A Template message needs Template.", nameof(message)));
                break;

            case MessageKind.Location:
                AddLocation(fields, message.Location ?? throw new ArgumentException("A Location message needs Location.", nameof(message)));
                break;

            case MessageKind.Interactive:
                throw new NotSupportedException(
                    "Twilio sends WhatsApp reply buttons and lists only as Content templates (twilio/quick-reply, twilio/list-picker). " +
                    "Create the content once and send it as MessageKind.Template with its ContentSid.");

            case MessageKind.Reaction:
                throw new NotSupportedException("Twilio's Messages API has no documented way to send a WhatsApp reaction.");

            case MessageKind.Contacts:
                throw new NotSupportedException("Twilio's Messages API has no documented way to send a WhatsApp contact card.");

            default:
                throw new ArgumentException($"MessageKind.{message.Kind} cannot be sent.", nameof(message));
        }

        if (message.StatusCallback is { } callback)
        {
            RequirePublicUrl(callback, "StatusCallback");
            if (callback.Host.Contains('_', StringComparison.Ordinal))
            {
                throw new ArgumentException("StatusCallback's host name may not contain '_' (Twilio refuses it).", nameof(message));
            }
            fields.Add(new("StatusCallback", callback.AbsoluteUri));
        }
        return fields;
    }

    private static void AddTemplate(List<KeyValuePair<string, string>> fields, TemplateContent template)
    {
        if (template.ContentSid is null || !ContentSidPattern().IsMatch(template.ContentSid))
        {
            throw new ArgumentException("Twilio sends templates by Content SID: Template.ContentSid must be 'HX' followed by 32 hex digits.", "message");
        }
        if (template.HeaderMedia is not null)
        {
            throw new NotSupportedException(
                "Twilio takes a template's header media from the Content template itself; put a variable in its media URL " +
                "and pass the value in Template.Variables instead of HeaderMedia.");
        }
        fields.Add(new("ContentSid", template.ContentSid));
        if (template.Variables is { Count: > 0 } variables)
        {
            if (variables.Count > 100)
            {
                throw new ArgumentException("Twilio accepts at most 100 ContentVariables.", "message");
            }
            fields.Add(new("ContentVariables", VariablesJson(variables)));
        }
    }

    /// <summary>
    /// The variables as a JSON object, written by hand (no reflection). The default encoder
    /// escapes quotes, apostrophes and non-ASCII as <c>\uXXXX</c>: still valid JSON, and it
    /// avoids the apostrophe trouble reported with error 21656.
    /// </summary>
    internal static string VariablesJson(IReadOnlyDictionary<string, string> variables)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in variables)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void AddLocation(List<KeyValuePair<string, string>> fields, LocationContent location)
    {
        if (location.Latitude is < -90 or > 90 || double.IsNaN(location.Latitude))
        {
            throw new ArgumentException("Location.Latitude must be between -90 and 90.", "message");
        }
        if (location.Longitude is < -180 or > 180 || double.IsNaN(location.Longitude))
        {
            throw new ArgumentException("Location.Longitude must be between -180 and 180.", "message");
        }
        // Twilio: Body = the location's name (required outbound), the label is free text under it.
        var name = !string.IsNullOrWhiteSpace(location.Name) ? location.Name
            : !string.IsNullOrWhiteSpace(location.Address) ? location.Address
            : throw new ArgumentException("Twilio needs a name for a location (sent as Body): give Location.Name or Location.Address.", "message");
        var label = !string.IsNullOrWhiteSpace(location.Name) && !string.IsNullOrWhiteSpace(location.Address) ? "|" + location.Address : "";
        fields.Add(new("Body", name));
        fields.Add(new("PersistentAction", string.Create(CultureInfo.InvariantCulture, $"geo:{location.Latitude},{location.Longitude}{label}")));
    }

    private static void RequirePublicUrl(Uri url, string field)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{field} must be an absolute http(s) URL that Twilio can reach.", "message");
        }
    }

    /// <summary>The SID and status of a 2xx answer, or null when it has no SID.</summary>
    private static SendReceipt? ReadReceipt(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("sid", out var sid) || sid.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(sid.GetString()))
            {
                return null;
            }
            var status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var mapped = MapStatus(status) ?? DeliveryStatus.Queued;
            ProviderError? error = null;
            if (mapped == DeliveryStatus.Failed)
            {
                // Accepted and already failed: keep Twilio's reason with the receipt.
                var code = root.TryGetProperty("error_code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : (int?)null;
                var text = root.TryGetProperty("error_message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                error = TwilioErrors.ToProviderError(code, text, 0);
            }
            return new SendReceipt(sid.GetString()!, mapped, error);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Twilio's message status in our words: queued/accepted/scheduled → Queued, sending/sent → Sent,
    /// delivered → Delivered, read → Read, failed/undelivered/canceled → Failed; others null.
    /// </summary>
    internal static DeliveryStatus? MapStatus(string? status) => status?.ToLowerInvariant() switch
    {
        "queued" or "accepted" or "scheduled" => DeliveryStatus.Queued,
        "sending" or "sent" => DeliveryStatus.Sent,
        "delivered" => DeliveryStatus.Delivered,
        "read" => DeliveryStatus.Read,
        "failed" or "undelivered" or "canceled" => DeliveryStatus.Failed,
        _ => null,
    };

    [GeneratedRegex("^HX[0-9a-fA-F]{32}$")]
    internal static partial Regex ContentSidPattern();

    [LoggerMessage(1, LogLevel.Information, "Twilio accepted message {MessageSid} to {To} with status {Status}.")]
    private static partial void LogAccepted(ILogger logger, string messageSid, string to, DeliveryStatus status, Exception? exception);
}
