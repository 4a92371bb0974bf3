using System.Text.Json;
using Functions.Tenants;

namespace Functions.Channels.Sandbox;

/// <summary>
/// Turns a sandbox webhook event (the JSON described at <see cref="SandboxWebhookBody"/>) into
/// <see cref="ChannelEvent"/>s, like the Twilio and Meta parsers do for theirs: a
/// <see cref="MessageStatusEvent"/> per <c>statuses[]</c> item and an <see cref="InboundMessageEvent"/>
/// per <c>messages[]</c> item, in that order. Unknown properties and status values are skipped;
/// an inbound message is addressed <c>To = "sandbox"</c>, the sandbox's business number.
/// </summary>
public static class SandboxWebhookParser
{
    /// <summary>The <see cref="ChannelEvent.Provider"/> of every event this parser returns.</summary>
    public const string ProviderName = ProviderSettings.SandboxType;

    /// <summary>The business "number" customers write to in the sandbox (conversations are kept under it).</summary>
    public const string BusinessNumber = "sandbox";

    /// <exception cref="FormatException">The body is not JSON, not a JSON object with <c>statuses</c> or
    /// <c>messages</c>, or an item lacks what every one has (id, status or sender, timestamp). The message
    /// names the place, never the content.</exception>
    public static IReadOnlyList<ChannelEvent> Parse(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SandboxWebhookBody? body;
        try
        {
            body = JsonSerializer.Deserialize(request.Body ?? [], SandboxWebhookJson.Default.SandboxWebhookBody);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Sandbox webhook body is not readable at {e.Path ?? "$"} (line {e.LineNumber}, byte {e.BytePositionInLine}).", e);
        }
        if (body is null || (body.Statuses is null && body.Messages is null))
        {
            throw new FormatException("Sandbox webhook body has neither 'statuses' nor 'messages'.");
        }

        var events = new List<ChannelEvent>();
        for (var i = 0; i < (body.Statuses?.Count ?? 0); i++)
        {
            if (ReadStatus(body.Statuses![i], $"statuses[{i}]") is { } status)
            {
                events.Add(status);
            }
        }
        for (var i = 0; i < (body.Messages?.Count ?? 0); i++)
        {
            events.Add(ReadMessage(body.Messages![i], $"messages[{i}]"));
        }
        return events;
    }

    private static MessageStatusEvent? ReadStatus(SandboxStatusJson? status, string at)
    {
        if (status is null)
        {
            throw new FormatException($"Sandbox webhook {at} is null.");
        }
        DeliveryStatus? delivery = status.Status switch
        {
            "sent" => DeliveryStatus.Sent,
            "delivered" => DeliveryStatus.Delivered,
            "read" => DeliveryStatus.Read,
            "failed" => DeliveryStatus.Failed,
            null or "" => throw new FormatException($"Sandbox webhook {at} has no 'status'."),
            _ => null,
        };
        if (delivery is null)
        {
            return null; // a status this model does not track
        }
        return new MessageStatusEvent(ProviderName, Required(status.Id, "id", at), delivery.Value, status.Timestamp ?? throw Missing("timestamp", at))
        {
            Recipient = Blank(status.Recipient),
            ClientReference = Blank(status.ClientReference),
            Error = status.Error is { } e
                ? new ProviderError(Blank(e.Code) ?? "unknown", Blank(e.Message) ?? "The sandbox reported an error without a message.", Reason(e.Reason))
                : null,
        };
    }

    private static InboundMessageEvent ReadMessage(SandboxMessageJson? message, string at)
    {
        if (message is null)
        {
            throw new FormatException($"Sandbox webhook {at} is null.");
        }
        var type = Blank(message.Type) ?? "text";
        var kind = MessageKinds.FromWhatsAppType(type);
        var reply = message.Reply is { Id: { Length: > 0 } id } r ? new InteractiveReply(id, r.Title ?? "") : null;
        var reaction = message.Reaction is { MessageId: { Length: > 0 } reactedTo } x ? new ReactionContent(reactedTo, x.Emoji ?? "") : null;
        if ((kind == MessageKind.Interactive && reply is null) || (kind == MessageKind.Reaction && reaction is null))
        {
            kind = MessageKind.Unsupported; // a tap or reaction without what it tapped or reacted to: kept, not guessed
        }

        return new InboundMessageEvent(ProviderName, Required(message.Id, "id", at), Required(message.From, "from", at), BusinessNumber,
            message.Timestamp ?? throw Missing("timestamp", at), kind)
        {
            ProfileName = Blank(message.ProfileName),
            Text = message.Text,
            Media = message.Media is { } media ? [ReadMedia(media, $"{at}.media")] : [],
            Location = message.Location is { Latitude: { } latitude, Longitude: { } longitude } l ? new LocationContent(latitude, longitude, l.Name, l.Address) : null,
            Contacts = message.Contacts is { Count: > 0 } cards
                ? [.. cards.OfType<SandboxContactJson>().Select(c => new SharedContact(c.Name ?? "", [.. (c.Phones ?? []).OfType<string>()]))]
                : [],
            Reply = kind == MessageKind.Interactive ? reply : null,
            Reaction = kind == MessageKind.Reaction ? reaction : null,
            Referral = message.Referral is { } f ? new Referral(f.SourceType, f.SourceId, f.SourceUrl, f.Headline, f.ClickId) : null,
            ContextMessageId = Blank(message.ContextMessageId),
            ProviderType = kind == MessageKind.Unsupported ? type : null,
        };
    }

    private static MediaContent ReadMedia(SandboxMediaJson media, string at) =>
        Uri.TryCreate(media.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? new MediaContent(url, Blank(media.ContentType), media.Caption, Blank(media.FileName))
            : throw new FormatException($"Sandbox webhook {at}.url is not an absolute http(s) URL.");

    private static FailureReason Reason(string? reason) =>
        Enum.TryParse<FailureReason>(reason, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : FailureReason.Other;

    private static string Required(string? value, string name, string at) =>
        Blank(value) ?? throw Missing(name, at);

    private static FormatException Missing(string name, string at) => new($"Sandbox webhook {at} has no '{name}'.");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
