using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Templates;

/// <summary>What became of a submission: the template as stored, or why it was not sent for review.</summary>
public sealed record SubmissionResult(MessageTemplate? Template, SubmissionRefusal? Refusal = null);

public enum SubmissionRefusalKind
{
    NotFound,
    /// <summary>Only a draft is submitted; a submitted or reviewed template is edited into a new version first.</summary>
    NotADraft,
    /// <summary>The linter found errors WhatsApp would refuse it for.</summary>
    LintErrors,
    /// <summary>The provider refused the submission (its code and text in the detail).</summary>
    ProviderRefused,
    /// <summary>What this template needs cannot be submitted through this provider from here (the detail says what).</summary>
    NotSupported,
}

public sealed record SubmissionRefusal(SubmissionRefusalKind Kind, string Detail, IReadOnlyList<LintFinding>? Findings = null);

/// <summary>
/// Sends a draft for WhatsApp's review through the tenant's provider: Meta (a template on the
/// WhatsApp Business Account), Twilio (a Content, then its WhatsApp approval request) or the
/// sandbox (which reviews after <c>Sandbox:TemplateReviewAfter</c>). The draft is marked Pending
/// before the provider is called, so two submits cannot both send it; a refusal puts it back to
/// Draft with the provider's reason in its history.
/// </summary>
public sealed class TemplateSubmissions(
    TemplateStore store,
    MetaTemplateClient meta,
    TwilioContentClient twilio,
    MediaExampleFetcher mediaExamples,
    IQueueStore queues,
    IOptions<TemplateOptions> options,
    TimeProvider time,
    ILogger<TemplateSubmissions> logger)
{
    public const string SandboxReviewQueue = "sandbox-template-reviews";

    public async Task<SubmissionResult> SubmitAsync(Tenant tenant, string name, string language, CancellationToken cancellationToken)
    {
        if (await store.LatestAsync(tenant.Id, name, language, cancellationToken) is not { } latest)
        {
            return new(null, new(SubmissionRefusalKind.NotFound, "This tenant has no template with that name and language."));
        }
        if (latest.Status != TemplateStatus.Draft)
        {
            return new(latest, new(SubmissionRefusalKind.NotADraft,
                $"Version {latest.Version} is {latest.Status.ToString().ToLowerInvariant()}. Edit the template to make a new draft version, then submit that."));
        }
        var findings = TemplateLinter.Lint(latest.Definition, new LintOptions { ExtraPromotionalWords = await store.PromotionalWordsAsync(tenant.Id, cancellationToken) });
        if (findings.Any(f => f.Severity == LintSeverity.Error))
        {
            return new(latest, new(SubmissionRefusalKind.LintErrors, "WhatsApp would refuse this template; fix the errors the linter found.", findings));
        }

        var now = time.GetUtcNow();
        var claimed = await store.UpdateAsync(tenant.Id, name, language, latest.Version, "submitted",
            t => t.Status == TemplateStatus.Draft ? t with { Status = TemplateStatus.Pending, SubmittedOn = now } : null, cancellationToken,
            detail: $"to {tenant.Provider.Type} as {latest.ProviderName}");
        if (claimed is null || claimed.Status != TemplateStatus.Pending || claimed.SubmittedOn != now)
        {
            return new(claimed, new(SubmissionRefusalKind.NotADraft, "The template was submitted by another request just now."));
        }

        try
        {
            var providerId = await SendForReviewAsync(tenant, claimed, cancellationToken);
            return new(await store.UpdateAsync(tenant.Id, name, language, claimed.Version, "accepted for review",
                t => t with { ProviderTemplateId = providerId }, cancellationToken, detail: $"{tenant.Provider.Type} id {providerId}"));
        }
        catch (ChannelSendException ex)
        {
            logger.LogInformation("Template {Name} ({Language}) of {Tenant} refused by {Provider}: {Code}", name, language, tenant.Id, tenant.Provider.Type, ex.Error.Code);
            var back = await store.UpdateAsync(tenant.Id, name, language, claimed.Version, "submission refused",
                t => t with { Status = TemplateStatus.Draft, SubmittedOn = null }, cancellationToken, detail: $"{ex.Error.Reason} ({ex.Error.Code}): {ex.Error.Message}");
            return new(back, new(SubmissionRefusalKind.ProviderRefused, $"{tenant.Provider.Type} refused it: {ex.Error.Reason} ({ex.Error.Code}) {ex.Error.Message}"));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            // Nothing was sent: the provider's rules (or what we can build) rule this template out.
            var back = await store.UpdateAsync(tenant.Id, name, language, claimed.Version, "not submitted",
                t => t with { Status = TemplateStatus.Draft, SubmittedOn = null }, cancellationToken, detail: ex.Message);
            return new(back, new(SubmissionRefusalKind.NotSupported, ex.Message));
        }
        catch (SendOutcomeUnknownException ex)
        {
            // It may exist at the provider now: it stays Pending, and the status sync finds it by name.
            logger.LogWarning("Template {Name} ({Language}) of {Tenant}: no answer from {Provider}; the sync will find it", name, language, tenant.Id, tenant.Provider.Type);
            return new(await store.UpdateAsync(tenant.Id, name, language, claimed.Version, "submission unconfirmed", t => t, cancellationToken, detail: ex.Message) ?? claimed);
        }
    }

    /// <summary>
    /// A media header's example for Meta: its file fetched from <see cref="TemplateHeader.MediaExampleUrl"/>
    /// and uploaded with the Resumable Upload API. Anything that stops it is an <see cref="ArgumentException"/>
    /// (not submitted, back to Draft with the reason) or a <see cref="ChannelSendException"/> (Meta refused
    /// the upload): nothing was submitted yet, so no outcome here is unknown.
    /// </summary>
    private async Task<string> UploadMetaExampleAsync(MetaAccount account, TemplateHeader header, CancellationToken cancellationToken)
    {
        if (account.AppId is null)
        {
            throw new ArgumentException(
                "Meta needs the header's example file uploaded to the Meta app: set the tenant's provider.appId (the Meta app's id) and submit again.");
        }
        if (string.IsNullOrWhiteSpace(header.MediaExampleUrl))
        {
            throw new ArgumentException("A media header needs an example file (mediaExampleUrl) for Meta's review.");
        }
        MediaExample example;
        try
        {
            example = await mediaExamples.FetchAsync(header.MediaExampleUrl, cancellationToken);
        }
        catch (MediaExampleException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
        if (!MetaTemplateClient.FitsHeader(header.Format, example.ContentType))
        {
            throw new ArgumentException(
                $"The header's example file is {example.ContentType}; a {header.Format.ToString().ToLowerInvariant()} header on Meta takes "
                + header.Format switch { HeaderFormat.Image => "image/jpeg or image/png", HeaderFormat.Video => "video/mp4", _ => "application/pdf" } + ".");
        }
        try
        {
            return await meta.UploadExampleAsync(account, example.Content, example.FileName, example.ContentType, cancellationToken);
        }
        catch (Exception ex) when (ex is SendOutcomeUnknownException or HttpRequestException)
        {
            throw new ChannelSendException(new ProviderError("upload", $"The example file's upload to Meta failed: {ex.Message}", FailureReason.ProviderUnavailable), 503);
        }
    }

    private async Task<string> SendForReviewAsync(Tenant tenant, MessageTemplate template, CancellationToken cancellationToken)
    {
        var definition = template.Definition with { Name = template.ProviderName };
        switch (tenant.Provider.Type)
        {
            case ProviderSettings.MetaType:
                var metaAccount = ProviderAccounts.Meta(tenant.Provider);
                var handle = definition.Components.Header is { Format: not HeaderFormat.Text } header
                    ? await UploadMetaExampleAsync(metaAccount, header, cancellationToken)
                    : null;
                return (await meta.SubmitAsync(metaAccount, definition, handle, cancellationToken)).ProviderTemplateId;
            case ProviderSettings.TwilioType:
                var account = ProviderAccounts.Twilio(tenant.Provider);
                // The Content first (kept, so a failed approval request can be retried on it), then the WhatsApp approval.
                var sid = await twilio.CreateAsync(account, definition, cancellationToken);
                await store.UpdateAsync(tenant.Id, template.Name, template.Language, template.Version, "content created",
                    t => t with { ProviderTemplateId = sid }, cancellationToken, detail: sid);
                await twilio.RequestApprovalAsync(account, sid, template.ProviderName, template.Definition.Category, cancellationToken);
                return sid;
            default:
                var id = "sbxtpl" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..20];
                // The id first: the review finds the template by it.
                await store.UpdateAsync(tenant.Id, template.Name, template.Language, template.Version, "accepted for review",
                    t => t with { ProviderTemplateId = id }, cancellationToken, detail: $"sandbox id {id}");
                await queues.SendAsync(SandboxReviewQueue, JsonSerializer.Serialize(new SandboxReview(tenant.Id, template.Name, template.Language, template.Version), JsonSerializerOptions.Web),
                    visibilityDelay: options.Value.SandboxReviewAfter, cancellationToken: cancellationToken);
                return id;
        }
    }
}

/// <summary>Section <c>Templates</c>.</summary>
public sealed class TemplateOptions
{
    public const string Section = "Templates";

    /// <summary>How long the sandbox takes to review a submitted template (0 to 1 day).</summary>
    public TimeSpan SandboxReviewAfter { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Problems()
    {
        if (SandboxReviewAfter < TimeSpan.Zero || SandboxReviewAfter > TimeSpan.FromDays(1)) yield return "Templates:SandboxReviewAfter must be between 00:00:00 and 1.00:00:00.";
    }
}

public sealed record SandboxReview(string Tenant, string Name, string Language, int Version);

/// <summary>
/// The sandbox's review (queue <c>sandbox-template-reviews</c>): it approves what the linter
/// finds no error in and rejects the rest with the first error, the way WhatsApp's review
/// answers. Only a version still pending is changed, so a repeated review does nothing.
/// </summary>
public sealed class SandboxTemplateReviewHandler(TemplateStore store, TemplateReviews reviews) : IQueueFunctionHandler
{
    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var review = JsonSerializer.Deserialize<SandboxReview>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The review work item is empty.");
        var template = (await store.VersionsAsync(review.Tenant, review.Name, review.Language, cancellationToken))
            .Select(v => v.Template).FirstOrDefault(t => t.Version == review.Version);
        if (template is not { Status: TemplateStatus.Pending, ProviderTemplateId: { } id })
        {
            return;
        }
        var error = TemplateLinter.Lint(template.Definition, new LintOptions { ExtraPromotionalWords = await store.PromotionalWordsAsync(review.Tenant, cancellationToken) })
            .FirstOrDefault(f => f.Severity == LintSeverity.Error);
        await reviews.ApplyAsync(review.Tenant, new TemplateStatusEvent(ProviderSettings.SandboxType, id, template.ProviderName, template.Language, error is null ? "APPROVED" : "REJECTED")
        {
            Reason = error is null ? null : $"{error.Code}: {error.Message}",
        }, cancellationToken);
    }
}

/// <summary>
/// Reads template statuses back from the providers every 15 minutes, for what webhooks missed
/// (Twilio sends none for approvals): Meta's whole list per business account, and each Twilio
/// content still pending or approved. Applying a status that did not change writes nothing.
/// </summary>
public sealed class SyncTemplateStatusesHandler(
    TenantDirectory tenants, TemplateStore store, TemplateReviews reviews, MetaTemplateClient meta, TwilioContentClient twilio, ILogger<SyncTemplateStatusesHandler> logger)
    : ITimerFunctionHandler
{
    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            try
            {
                await SyncAsync(tenant, cancellationToken);
            }
            catch (Exception ex) when (ex is ChannelSendException or SendOutcomeUnknownException or HttpRequestException)
            {
                // One tenant's provider being down must not stop the others; the next run tries again.
                logger.LogWarning("Template sync for {Tenant} failed: {Error}", tenant.Id, ex.Message);
            }
        }
    }

    public async Task SyncAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        switch (tenant.Provider.Type)
        {
            case ProviderSettings.MetaType:
                foreach (var review in await meta.ListAsync(ProviderAccounts.Meta(tenant.Provider), cancellationToken))
                {
                    await reviews.ApplyAsync(tenant.Id, Event("meta", review), cancellationToken, review.QualityRating);
                }
                break;
            case ProviderSettings.TwilioType:
                var account = ProviderAccounts.Twilio(tenant.Provider);
                foreach (var template in await store.ListAsync(tenant.Id, cancellationToken))
                {
                    if (template is { ProviderTemplateId: { } sid, Status: TemplateStatus.Pending or TemplateStatus.Approved or TemplateStatus.Paused })
                    {
                        var review = await twilio.GetApprovalAsync(account, sid, cancellationToken);
                        await reviews.ApplyAsync(tenant.Id, Event("twilio", review) with { Name = template.ProviderName, Language = template.Language }, cancellationToken);
                    }
                }
                break;
        }
    }

    private static TemplateStatusEvent Event(string provider, TemplateReview review) =>
        new(provider, review.ProviderTemplateId, review.Name ?? "", review.Language ?? "", review.ProviderStatus)
        {
            Reason = review.RejectionReason,
        };
}
