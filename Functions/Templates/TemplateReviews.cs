using Functions.Channels;

namespace Functions.Templates;

/// <summary>
/// Applies a provider's review of a template (a status webhook, or what a sync read back): the
/// version is found by the provider's template id, else by the name it has at the provider and
/// its language. A review that says nothing new writes nothing, so webhooks and syncs repeat safely.
/// </summary>
public sealed class TemplateReviews(TemplateStore store, ILogger<TemplateReviews> logger)
{
    /// <summary>
    /// Our status for a provider's word: Meta's template events (APPROVED, REJECTED, PENDING,
    /// PAUSED, DISABLED, FLAGGED, IN_APPEAL, REINSTATED, PENDING_DELETION, DELETED) and Twilio's
    /// approval states (approved, rejected, pending, received, paused, disabled). Null for a word we
    /// do not know (nothing is changed).
    /// </summary>
    public static TemplateStatus? StatusFor(string providerStatus) => providerStatus.ToUpperInvariant() switch
    {
        "APPROVED" or "REINSTATED" or "UNPAUSED" => TemplateStatus.Approved,
        // Flagged: quality is low and a pause may follow, but it can still be sent.
        "FLAGGED" => TemplateStatus.Approved,
        "REJECTED" => TemplateStatus.Rejected,
        "PENDING" or "IN_APPEAL" or "RECEIVED" or "SUBMITTED" => TemplateStatus.Pending,
        "PAUSED" => TemplateStatus.Paused,
        "DISABLED" or "PENDING_DELETION" or "DELETED" => TemplateStatus.Disabled,
        _ => null,
    };

    public async Task<MessageTemplate?> ApplyAsync(string tenantId, TemplateStatusEvent review, CancellationToken cancellationToken, string? qualityRating = null)
    {
        if (StatusFor(review.Status) is not { } status)
        {
            logger.LogInformation("Template {TemplateId}: status {Status} is not one we know; nothing changed", review.ProviderTemplateId, review.Status);
            return null;
        }
        var template = await store.FindByProviderIdAsync(tenantId, review.ProviderTemplateId, cancellationToken)
            ?? await FindByProviderNameAsync(tenantId, review.Name, review.Language, cancellationToken);
        if (template is null)
        {
            logger.LogInformation("Template {TemplateId} is not one of tenant {Tenant}'s; ignored", review.ProviderTemplateId, tenantId);
            return null;
        }
        var quality = qualityRating ?? (review.Status.Equals("FLAGGED", StringComparison.OrdinalIgnoreCase) ? "RED" : null);
        return await store.UpdateAsync(tenantId, template.Name, template.Language, template.Version, "reviewed", t => t with
        {
            Status = status,
            ProviderTemplateId = t.ProviderTemplateId ?? review.ProviderTemplateId,
            RejectionReason = status == TemplateStatus.Rejected ? review.Reason ?? "No reason given." : status is TemplateStatus.Paused or TemplateStatus.Disabled ? review.Reason : null,
            QualityRating = quality ?? t.QualityRating,
        }, cancellationToken, detail: $"{review.Provider}: {review.Status}{(review.Reason is null ? "" : " (" + review.Reason + ")")}");
    }

    /// <summary>The version a provider name stands for: <c>name</c> is version 1, <c>name_vN</c> version N.</summary>
    private async Task<MessageTemplate?> FindByProviderNameAsync(string tenantId, string providerName, string language, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(providerName) || string.IsNullOrEmpty(language))
        {
            return null;
        }
        var versions = await store.VersionsAsync(tenantId, providerName, language, cancellationToken);
        if (versions.Count > 0)
        {
            return versions[0].Template.Version == 1 ? versions[0].Template : null;
        }
        var cut = providerName.LastIndexOf("_v", StringComparison.Ordinal);
        if (cut > 0 && int.TryParse(providerName.AsSpan(cut + 2), out var version))
        {
            return (await store.VersionsAsync(tenantId, providerName[..cut], language, cancellationToken))
                .Select(v => v.Template).FirstOrDefault(t => t.Version == version);
        }
        return null;
    }
}
