namespace Functions.Templates;

/// <summary>A template version as the API shows it, with the variables a send must fill and what the linter predicts.</summary>
public sealed record TemplateView(
    string Name,
    string Language,
    TemplateCategory Category,
    string? Label,
    int Version,
    TemplateStatus Status,
    TemplateComponents Components,
    string ProviderName,
    string? ProviderTemplateId,
    string? RejectionReason,
    string? QualityRating,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn,
    DateTimeOffset? SubmittedOn,
    IReadOnlyList<TemplateVariable> Variables,
    IReadOnlyList<LintFinding>? Findings)
{
    public static TemplateView Of(MessageTemplate t, IReadOnlyList<LintFinding>? findings = null) => new(
        t.Name, t.Language, t.Definition.Category, t.Definition.Label, t.Version, t.Status, t.Definition.Components,
        t.ProviderName, t.ProviderTemplateId, t.RejectionReason, t.QualityRating, t.CreatedOn, t.UpdatedOn, t.SubmittedOn,
        TemplateVariables.Of(t.Definition.Components), findings);
}

/// <summary>One template: its latest version (with lint findings), every version, and its history.</summary>
public sealed record TemplateDetail(TemplateView Latest, IReadOnlyList<TemplateView> Versions, IReadOnlyList<TemplateEvent> History);

public sealed record TemplateList(IReadOnlyList<TemplateView> Items);

public sealed record LintResult(IReadOnlyList<LintFinding> Findings, bool WouldBeRefused);

public sealed record PreviewRequest(IReadOnlyDictionary<string, string?>? Parameters);

public sealed record PromotionalWordsSettings(IReadOnlyDictionary<string, IReadOnlyList<string>>? Words);
