namespace Functions.Channels;

/// <summary>
/// Where a template is in the provider's review, in our words. Each provider's own word is kept
/// beside it (<see cref="TemplateReview.ProviderStatus"/>); the mapping tables are on the clients.
/// </summary>
public enum ProviderTemplateStatus
{
    /// <summary>Submitted and waiting for WhatsApp's review (or under appeal).</summary>
    Pending,
    /// <summary>Approved: the only status in which a template may be sent.</summary>
    Approved,
    /// <summary>Refused by the review; <see cref="TemplateReview.RejectionReason"/> says why when the provider does.</summary>
    Rejected,
    /// <summary>Paused for low quality; cannot be sent until it is active again.</summary>
    Paused,
    /// <summary>Disabled, deleted or being deleted: cannot be sent, for good.</summary>
    Disabled,
    /// <summary>The content exists at the provider but was never submitted for WhatsApp's review (Twilio).</summary>
    NotSubmitted,
    /// <summary>A status this project does not know; read <see cref="TemplateReview.ProviderStatus"/>.</summary>
    Unknown,
}

/// <summary>
/// A template the provider accepted for review: its id there (Meta's template id, or Twilio's
/// Content SID <c>HX…</c>) and the provider's own word for its first status (Meta <c>PENDING</c>,
/// Twilio <c>received</c>, …).
/// </summary>
public sealed record TemplateSubmitted(string ProviderTemplateId, string Status);

/// <summary>
/// What the provider says about one template's review.
/// </summary>
/// <param name="ProviderTemplateId">Meta's template id, or Twilio's Content SID.</param>
/// <param name="Name">The template's name; null when the provider's answer does not carry it (a Twilio content never submitted).</param>
/// <param name="Language">The language code; null when the answer does not carry it (Twilio's approval answer never does).</param>
/// <param name="Status">The status in our words.</param>
/// <param name="RejectionReason">The provider's reason when rejected (Meta <c>rejected_reason</c>, Twilio <c>rejection_reason</c>); null when none.</param>
/// <param name="QualityRating">Meta's quality score (<c>GREEN</c>, <c>YELLOW</c>, <c>RED</c>, <c>UNKNOWN</c>); Twilio does not report one.</param>
/// <param name="ProviderStatus">The provider's status word as it came (<c>IN_APPEAL</c>, <c>received</c>, …); empty when the answer had none.</param>
public sealed record TemplateReview(
    string ProviderTemplateId,
    string? Name,
    string? Language,
    ProviderTemplateStatus Status,
    string? RejectionReason,
    string? QualityRating,
    string ProviderStatus);
