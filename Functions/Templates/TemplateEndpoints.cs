using System.Security.Claims;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Templates;

/// <summary>
/// Templates: create and edit drafts, lint, preview, submit for WhatsApp's review, list and read
/// with history. Writes are for tenant admins; agents read and preview (they pick templates to send).
/// </summary>
public static class TemplateEndpoints
{
    public static FunctionCatalog AddTemplateFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("CreateTemplate", "POST", "templates", CreateAsync, TenantAccess.Admin)
            .AddHttp("ListTemplates", "GET", "templates", ListAsync, TenantAccess.AdminOrAgent)
            .AddHttp("LintTemplate", "POST", "templates/lint", LintAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetPromotionalWords", "GET", "templates/promotional-words", GetPromotionalWordsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("SetPromotionalWords", "PUT", "templates/promotional-words", SetPromotionalWordsAsync, TenantAccess.Admin)
            .AddHttp("GetTemplate", "GET", "templates/{name}/{language}", GetAsync, TenantAccess.AdminOrAgent)
            .AddHttp("EditTemplate", "PUT", "templates/{name}/{language}", EditAsync, TenantAccess.Admin)
            .AddHttp("DeleteTemplate", "DELETE", "templates/{name}/{language}", DeleteAsync, TenantAccess.Admin)
            .AddHttp("PreviewTemplate", "POST", "templates/{name}/{language}/preview", PreviewAsync, TenantAccess.AdminOrAgent)
            .AddHttp("SubmitTemplate", "POST", "templates/{name}/{language}/submit", SubmitAsync, TenantAccess.Admin);
    }

    public sealed record TemplateServices(ClaimsPrincipal User, TemplateStore Store, TenantDirectory Tenants);

    public static async Task<IResult> CreateAsync(TemplateRequest request, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (TemplateRequestValidation.Validate(request, errors) is not { } definition)
        {
            return TypedResults.ValidationProblem(errors, title: "The template is not valid.");
        }
        if (await s.Store.CreateAsync(s.User.TenantId(), definition, cancellationToken) is not { } created)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The template exists.",
                detail: $"This tenant has a template '{definition.Name}' in '{definition.Language}'; change it with PUT /api/templates/{definition.Name}/{definition.Language}.");
        }
        return TypedResults.Created($"/api/templates/{created.Name}/{created.Language}", TemplateView.Of(created, await FindingsAsync(s, created.Definition, cancellationToken)));
    }

    public static async Task<IResult> EditAsync(string name, string language, TemplateRequest request, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is not null && request.Name != name) errors["name"] = ["The name is the template's identity: create a new template instead."];
        if (request.Language is not null && request.Language != language) errors["language"] = ["The language is part of the template's identity: create the template in that language instead."];
        var definition = TemplateRequestValidation.Validate(request with { Name = name, Language = language }, errors);
        if (definition is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The template is not valid.");
        }
        var (edited, underReview) = await s.Store.EditAsync(s.User.TenantId(), definition, cancellationToken);
        if (underReview)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The template is under review.",
                detail: "It can be changed once WhatsApp has approved or rejected it; the change then becomes a new version.");
        }
        return edited is null ? NotFound() : TypedResults.Ok(TemplateView.Of(edited, await FindingsAsync(s, edited.Definition, cancellationToken)));
    }

    public static async Task<IResult> DeleteAsync(string name, string language, [AsParameters] TemplateServices s, CancellationToken cancellationToken) =>
        await s.Store.DeleteDraftAsync(s.User.TenantId(), name, language, cancellationToken) switch
        {
            null => NotFound(),
            false => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The template was submitted.",
                detail: "Only a template that was never submitted can be deleted; one WhatsApp has reviewed stays, with its history."),
            true => TypedResults.NoContent(),
        };

    public static async Task<IResult> ListAsync([AsParameters] TemplateServices s, CancellationToken cancellationToken, string? status = null, string? category = null, string? language = null)
    {
        var errors = new Dictionary<string, string[]>();
        TemplateStatus? wantedStatus = null;
        if (status is not null)
        {
            if (Enum.TryParse<TemplateStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _)) wantedStatus = parsed;
            else errors["status"] = ["The status is draft, pending, approved, rejected, paused or disabled."];
        }
        var wantedCategory = category is null ? null : TemplateCategories.Parse(category);
        if (category is not null && wantedCategory is null) errors["category"] = ["The category is marketing, utility or authentication (or one of the older ones)."];
        if (language is not null && !TenantValidation.IsLanguageCode(language)) errors["language"] = ["The language is a WhatsApp language code such as en or en_US."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var templates = await s.Store.ListAsync(s.User.TenantId(), cancellationToken);
        return TypedResults.Ok(new TemplateList([.. templates
            .Where(t => wantedStatus is null || t.Status == wantedStatus)
            .Where(t => wantedCategory is null || (t.Definition.Category == wantedCategory.Category && (wantedCategory.Label is null || t.Definition.Label == wantedCategory.Label)))
            .Where(t => language is null || t.Language == language)
            .Select(t => TemplateView.Of(t))]));
    }

    public static async Task<IResult> GetAsync(string name, string language, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        var versions = await s.Store.VersionsAsync(s.User.TenantId(), name, language, cancellationToken);
        if (versions.Count == 0) return NotFound();
        var latest = versions[^1].Template;
        return TypedResults.Ok(new TemplateDetail(
            TemplateView.Of(latest, await FindingsAsync(s, latest.Definition, cancellationToken)),
            [.. versions.Select(v => TemplateView.Of(v.Template))],
            await s.Store.HistoryAsync(s.User.TenantId(), name, language, cancellationToken)));
    }

    /// <summary>Lints a template without storing it: what WhatsApp's review would likely say.</summary>
    public static async Task<IResult> LintAsync(TemplateRequest request, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (TemplateRequestValidation.Validate(request, errors) is not { } definition)
        {
            return TypedResults.ValidationProblem(errors, title: "This is not a template the linter can read.");
        }
        var findings = await FindingsAsync(s, definition, cancellationToken);
        return TypedResults.Ok(new LintResult(findings, findings.Any(f => f.Severity == LintSeverity.Error)));
    }

    /// <summary>The final text for the given parameters, as the customer sees it; a 400 naming each bad parameter.</summary>
    public static async Task<IResult> PreviewAsync(string name, string language, PreviewRequest request, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        if (await s.Store.LatestAsync(s.User.TenantId(), name, language, cancellationToken) is not { } template) return NotFound();
        var parameters = Parameters(request.Parameters);
        var problems = TemplateRenderer.ValidateParameters(template.Definition.Components, parameters);
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems.ToDictionary(p => $"parameters.{p.Key}", p => new[] { p.Value.Message }), title: "The parameters do not fit the template.");
        }
        return TypedResults.Ok(TemplateRenderer.Render(template.Definition.Components, parameters));
    }

    public static async Task<IResult> SubmitAsync(string name, string language, [AsParameters] TemplateServices s, TemplateSubmissions submissions, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is not { } tenant) return NotFound();
        var result = await submissions.SubmitAsync(tenant, name, language, cancellationToken);
        return result.Refusal switch
        {
            null => TypedResults.Accepted($"/api/templates/{name}/{language}", TemplateView.Of(result.Template!)),
            { Kind: SubmissionRefusalKind.NotFound } => NotFound(),
            { Kind: SubmissionRefusalKind.NotADraft } r => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Only a draft is submitted.", detail: r.Detail),
            { Kind: SubmissionRefusalKind.LintErrors } r => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "WhatsApp would refuse this template.",
                detail: r.Detail, extensions: new Dictionary<string, object?> { ["findings"] = r.Findings }),
            { Kind: SubmissionRefusalKind.NotSupported } r => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                title: $"This template cannot be submitted through {tenant.Provider.Type}.", detail: r.Detail),
            { } r => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The provider refused the template.", detail: r.Detail),
        };
    }

    public static async Task<IResult> GetPromotionalWordsAsync([AsParameters] TemplateServices s, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PromotionalWordsSettings(await s.Store.PromotionalWordsAsync(s.User.TenantId(), cancellationToken)));

    /// <summary>Replaces the tenant's own promotional words (by language, or <c>*</c> for all), on top of the built-in lists.</summary>
    public static async Task<IResult> SetPromotionalWordsAsync(PromotionalWordsSettings request, [AsParameters] TemplateServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var words = request.Words ?? new Dictionary<string, IReadOnlyList<string>>();
        if (words.Count > 20) errors["words"] = ["At most 20 languages."];
        foreach (var (language, list) in words)
        {
            if (language != "*" && !TenantValidation.IsLanguageCode(language)) errors[$"words.{(language.Length > 20 ? language[..20] : language)}"] = ["A key is a language code (en, sv) or * for every language."];
            else if (list is null || list.Count > 200 || list.Any(w => string.IsNullOrWhiteSpace(w) || w.Length > 60)) errors[$"words.{language}"] = ["Up to 200 words or phrases of 1 to 60 characters."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The words are not valid.");
        await s.Store.SetPromotionalWordsAsync(s.User.TenantId(), words, cancellationToken);
        return TypedResults.Ok(new PromotionalWordsSettings(words));
    }

    private static async Task<IReadOnlyList<LintFinding>> FindingsAsync(TemplateServices s, TemplateDefinition definition, CancellationToken cancellationToken) =>
        TemplateLinter.Lint(definition, new LintOptions { ExtraPromotionalWords = await s.Store.PromotionalWordsAsync(s.User.TenantId(), cancellationToken) });

    internal static Dictionary<string, string> Parameters(IReadOnlyDictionary<string, string?>? given) =>
        (given ?? new Dictionary<string, string?>()).ToDictionary(p => p.Key, p => p.Value ?? "", StringComparer.Ordinal);

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such template.", detail: "This tenant has no template with that name and language.");
}
