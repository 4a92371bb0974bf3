namespace Functions.Conversations;

/// <summary>
/// WhatsApp's customer care window for one conversation, decided only from stored timestamps.
/// <list type="bullet">
/// <item>Each customer message opens or renews it; it closes 24 hours after the customer's last
/// message (at exactly 24 hours it is closed). Only then may free-form messages be sent; templates
/// may go at any time. The business's own messages never extend it.</item>
/// <item>A customer who arrives from a click-to-WhatsApp ad or a Page button (a referral) and gets
/// a reply within 24 hours opens a 72-hour free entry point, counted from that reply. Meta bills
/// nothing in it, templates included; free-form messages still need the 24-hour window.</item>
/// </list>
/// Webhooks arrive out of order, so renewals keep the latest time, never an earlier one.
/// </summary>
public sealed record CareWindow(
    DateTimeOffset? LastCustomerMessageAt = null,
    DateTimeOffset? ReferralAt = null,
    DateTimeOffset? FreeEntryPointOpenedAt = null)
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);
    public static readonly TimeSpan FreeEntryPointLength = TimeSpan.FromHours(72);

    /// <summary>When free-form messages stop being allowed; null if the customer never wrote.</summary>
    public DateTimeOffset? ExpiresAt => LastCustomerMessageAt + Length;

    public DateTimeOffset? FreeEntryPointExpiresAt => FreeEntryPointOpenedAt + FreeEntryPointLength;

    public bool IsOpenAt(DateTimeOffset now) => ExpiresAt is { } expires && now < expires;

    public bool IsFreeEntryPointAt(DateTimeOffset now) =>
        FreeEntryPointOpenedAt is { } opened && now >= opened && now < opened + FreeEntryPointLength;

    /// <summary>Time left to send free-form messages (zero when closed): the countdown a front end shows.</summary>
    public TimeSpan RemainingAt(DateTimeOffset now) =>
        ExpiresAt is { } expires && expires > now ? expires - now : TimeSpan.Zero;

    /// <summary>A customer message at <paramref name="at"/>; <paramref name="viaReferral"/> when it came from an ad or Page button.</summary>
    public CareWindow WithCustomerMessage(DateTimeOffset at, bool viaReferral = false) => this with
    {
        LastCustomerMessageAt = LastCustomerMessageAt is { } last && last > at ? last : at,
        ReferralAt = viaReferral && (ReferralAt is null || at > ReferralAt) ? at : ReferralAt,
    };

    /// <summary>
    /// A business message delivered at <paramref name="at"/>: opens the free entry point if it
    /// answers a referral within 24 hours (once per referral); never renews the care window.
    /// </summary>
    public CareWindow WithBusinessMessage(DateTimeOffset at) =>
        ReferralAt is { } referral && at >= referral && at < referral + Length
            && (FreeEntryPointOpenedAt is null || FreeEntryPointOpenedAt < referral)
            ? this with { FreeEntryPointOpenedAt = at }
            : this;

    /// <summary>The state a front end shows at <paramref name="now"/>.</summary>
    public CareWindowState StateAt(DateTimeOffset now) => new(
        IsOpenAt(now), ExpiresAt, RemainingAt(now), IsFreeEntryPointAt(now), FreeEntryPointExpiresAt);
}

/// <summary>Whether free-form messages may be sent now, until when, and the free entry point's state.</summary>
public sealed record CareWindowState(
    bool IsOpen,
    DateTimeOffset? ExpiresAt,
    TimeSpan Remaining,
    bool IsFreeEntryPoint,
    DateTimeOffset? FreeEntryPointExpiresAt);
