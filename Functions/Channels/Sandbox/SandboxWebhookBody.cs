using System.Text.Json;
using System.Text.Json.Serialization;

namespace Functions.Channels.Sandbox;

/// <summary>
/// The body of a sandbox webhook event, as stored in the webhook inbox: statuses of messages the
/// sandbox "sent", and messages a developer simulated from a customer. Either list may be left
/// out; unknown properties are ignored when read.
/// <code>
/// {"statuses":[{"id":"sbx…","status":"delivered","timestamp":"2030-01-07T10:00:02+00:00",
///               "recipient":"+46701234567","clientReference":"msg…",
///               "error":{"code":"sandbox_undeliverable","message":"…","reason":"invalidRecipient"}}],
///  "messages":[{"id":"sbx…","from":"+46701234567","timestamp":"…","type":"text","text":"Hi",
///               "profileName":"Ada","media":{"url","contentType","caption","fileName"},
///               "location":{"latitude","longitude","name","address"},"contacts":[{"name","phones":[…]}],
///               "reply":{"id","title"},"reaction":{"messageId","emoji"},
///               "referral":{"sourceType","sourceId","sourceUrl","headline","clickId"},"contextMessageId":"…"}]}
/// </code>
/// Status values: <c>sent</c>, <c>delivered</c>, <c>read</c>, <c>failed</c>. Message types: <c>text</c>,
/// <c>image</c>, <c>video</c>, <c>audio</c>, <c>document</c>, <c>sticker</c>, <c>location</c>, <c>contacts</c>,
/// <c>button</c> (or <c>interactive</c>), <c>reaction</c>; any other is kept as unsupported.
/// Timestamps are ISO 8601 with an offset.
/// </summary>
internal sealed record SandboxWebhookBody(IReadOnlyList<SandboxStatusJson>? Statuses = null, IReadOnlyList<SandboxMessageJson>? Messages = null)
{
    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, SandboxWebhookJson.Default.SandboxWebhookBody);

    public static SandboxWebhookBody Status(MessageStatusEvent status) => new(Statuses:
    [
        new SandboxStatusJson(status.ProviderMessageId, StatusName(status.Status), status.Timestamp, status.Recipient, status.ClientReference,
            status.Error is { } e ? new SandboxErrorJson(e.Code, e.Message, JsonNamingPolicy.CamelCase.ConvertName(e.Reason.ToString())) : null),
    ]);

    public static SandboxWebhookBody Message(InboundMessageEvent m) => new(Messages:
    [
        new SandboxMessageJson(m.ProviderMessageId, m.From, m.Timestamp, TypeName(m))
        {
            Text = m.Text,
            ProfileName = m.ProfileName,
            Media = m.Media is [var media, ..] ? new SandboxMediaJson(media.Url.AbsoluteUri, media.ContentType, media.Caption, media.FileName) : null,
            Location = m.Location is { } l ? new SandboxLocationJson(l.Latitude, l.Longitude, l.Name, l.Address) : null,
            Contacts = m.Contacts is { Count: > 0 } ? [.. m.Contacts.Select(c => new SandboxContactJson(c.Name, c.Phones))] : null,
            Reply = m.Reply is { } r ? new SandboxReplyJson(r.Id, r.Title) : null,
            Reaction = m.Reaction is { } x ? new SandboxReactionJson(x.MessageId, x.Emoji) : null,
            Referral = m.Referral is { } f ? new SandboxReferralJson(f.SourceType, f.SourceId, f.SourceUrl, f.Headline, f.ClickId) : null,
            ContextMessageId = m.ContextMessageId,
        },
    ]);

    public static string StatusName(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Sent => "sent",
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.Read => "read",
        DeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "The sandbox reports sent, delivered, read and failed."),
    };

    private static string TypeName(InboundMessageEvent m) => m.Kind switch
    {
        MessageKind.Interactive => "button",
        MessageKind.Unsupported => m.ProviderType ?? "unsupported",
        _ => JsonNamingPolicy.CamelCase.ConvertName(m.Kind.ToString()),
    };
}

internal sealed record SandboxStatusJson(
    string? Id, string? Status, DateTimeOffset? Timestamp, string? Recipient = null, string? ClientReference = null, SandboxErrorJson? Error = null);

internal sealed record SandboxErrorJson(string? Code, string? Message, string? Reason);

internal sealed record SandboxMessageJson(string? Id, string? From, DateTimeOffset? Timestamp, string? Type)
{
    public string? Text { get; init; }
    public string? ProfileName { get; init; }
    public SandboxMediaJson? Media { get; init; }
    public SandboxLocationJson? Location { get; init; }
    public IReadOnlyList<SandboxContactJson>? Contacts { get; init; }
    public SandboxReplyJson? Reply { get; init; }
    public SandboxReactionJson? Reaction { get; init; }
    public SandboxReferralJson? Referral { get; init; }
    public string? ContextMessageId { get; init; }
}

internal sealed record SandboxMediaJson(string? Url, string? ContentType = null, string? Caption = null, string? FileName = null);

internal sealed record SandboxLocationJson(double? Latitude, double? Longitude, string? Name = null, string? Address = null);

internal sealed record SandboxContactJson(string? Name, IReadOnlyList<string>? Phones);

internal sealed record SandboxReplyJson(string? Id, string? Title);

internal sealed record SandboxReactionJson(string? MessageId, string? Emoji);

internal sealed record SandboxReferralJson(string? SourceType, string? SourceId, string? SourceUrl, string? Headline, string? ClickId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SandboxWebhookBody))]
internal sealed partial class SandboxWebhookJson : JsonSerializerContext;
