namespace Functions.Channels;

/// <summary>What a provider's webhook told us, in our words. One webhook can carry several.</summary>
public abstract record ChannelEvent(string Provider);

/// <summary>A customer wrote to the business.</summary>
public sealed record InboundMessageEvent(
    string Provider,
    string ProviderMessageId,
    string From,
    string To,
    DateTimeOffset Timestamp,
    MessageKind Kind) : ChannelEvent(Provider)
{
    /// <summary>The customer's WhatsApp profile name, when the provider sends it.</summary>
    public string? ProfileName { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<MediaContent> Media { get; init; } = [];
    public LocationContent? Location { get; init; }
    public IReadOnlyList<SharedContact> Contacts { get; init; } = [];
    public InteractiveReply? Reply { get; init; }
    public ReactionContent? Reaction { get; init; }
    public Referral? Referral { get; init; }

    /// <summary>The provider id of the message this one replies to, if any.</summary>
    public string? ContextMessageId { get; init; }

    /// <summary>The provider's own name for a type we map to <see cref="MessageKind.Unsupported"/>.</summary>
    public string? ProviderType { get; init; }

    /// <summary>
    /// The provider's stable id of the business number written to (Meta's phone_number_id),
    /// the key to the tenant's account; <see cref="To"/> is the number as the customer sees it.
    /// </summary>
    public string? BusinessNumberId { get; init; }
}

/// <summary>A message we sent changed status at the provider.</summary>
public sealed record MessageStatusEvent(
    string Provider,
    string ProviderMessageId,
    DeliveryStatus Status,
    DateTimeOffset Timestamp) : ChannelEvent(Provider)
{
    public string? Recipient { get; init; }
    public ProviderError? Error { get; init; }

    /// <summary>Our message id, echoed by providers that carry one (Meta's biz_opaque_callback_data).</summary>
    public string? ClientReference { get; init; }
}

/// <summary>A template's review status changed at the provider (Meta's message_template_status_update).</summary>
public sealed record TemplateStatusEvent(
    string Provider,
    string ProviderTemplateId,
    string Name,
    string Language,
    string Status) : ChannelEvent(Provider)
{
    public string? Reason { get; init; }
}
