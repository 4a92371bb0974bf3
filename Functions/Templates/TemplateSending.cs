using Functions.Channels;
using Functions.Tenants;

namespace Functions.Templates;

/// <summary>An approved template ready to send: the version, what the provider takes, the text the customer sees, and its purpose.</summary>
public sealed record PreparedTemplate(MessageTemplate Template, TemplateContent Content, string Text, string Purpose);

/// <summary>Why a template cannot be sent: not found or not approved (404/409), or its parameters do not fit (422, by parameter).</summary>
public sealed record TemplateSendProblem(int Status, string Title, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// The one path every template send goes through (agents, order notifications, broadcasts):
/// only an Approved version is sent; the language is the one asked for, else the contact's
/// (exact, then its base: <c>en</c> for <c>en_US</c>), else the tenant's default; the parameters
/// are checked against the template and mapped to the provider's format (Meta's components,
/// Twilio's content variables).
/// </summary>
public sealed class TemplateSending(TemplateStore store)
{
    public async Task<(PreparedTemplate? Prepared, TemplateSendProblem? Problem)> PrepareAsync(
        Tenant tenant, string name, string? language, string? contactLanguage, IReadOnlyDictionary<string, string> parameters, MediaContent? headerMedia,
        CancellationToken cancellationToken)
    {
        var candidates = language is not null ? [language] : Languages(contactLanguage, tenant.DefaultLanguage);
        MessageTemplate? template = null;
        foreach (var candidate in candidates)
        {
            if ((template = await store.ApprovedAsync(tenant.Id, name, candidate, cancellationToken)) is not null) break;
        }
        if (template is null)
        {
            var any = (await store.ListAsync(tenant.Id, cancellationToken)).Where(t => t.Name == name).ToList();
            return (null, any.Count == 0
                ? new(StatusCodes.Status404NotFound, "No such template.", $"This tenant has no template '{name}'.")
                : new(StatusCodes.Status409Conflict, "The template is not approved in that language.",
                    $"Only approved templates are sent. Tried {string.Join(", ", candidates)}; the template is " +
                    string.Join(", ", any.Select(t => $"{t.Status.ToString().ToLowerInvariant()} in {t.Language}")) + "."));
        }

        var components = template.Definition.Components;
        var errors = TemplateRenderer.ValidateParameters(components, parameters)
            .ToDictionary(p => $"template.parameters.{p.Key}", p => new[] { p.Value.Message });
        var mediaHeader = components.Header is { Format: not HeaderFormat.Text };
        if (mediaHeader && headerMedia is null) errors["template.headerMedia"] = [$"This template's header is {components.Header!.Format.ToString().ToLowerInvariant()}: give its file's URL."];
        if (!mediaHeader && headerMedia is not null) errors["template.headerMedia"] = ["This template has no media header."];
        if (errors.Count > 0)
        {
            return (null, new(StatusCodes.Status422UnprocessableEntity, "The parameters do not fit the template.",
                $"Template '{name}' ({template.Language}) needs: {string.Join(", ", TemplateVariables.Of(components).Select(v => v.Key))}.", errors));
        }

        var rendered = TemplateRenderer.Render(components, parameters);
        var content = tenant.Provider.Type == ProviderSettings.TwilioType
            ? new TemplateContent(template.ProviderName, template.Language, TwilioVariables(template.Definition, parameters, headerMedia), template.ProviderTemplateId)
            : MetaContent(template, parameters, headerMedia);
        var purpose = template.Definition.Category.ToString().ToLowerInvariant();
        return (new PreparedTemplate(template, content, rendered.Body, purpose), null);
    }

    /// <summary>The contact's language, its base, the tenant's default and its base, without repeats.</summary>
    public static IReadOnlyList<string> Languages(string? contactLanguage, string tenantDefault)
    {
        var list = new List<string>();
        void Add(string? code)
        {
            if (!string.IsNullOrEmpty(code) && !list.Contains(code, StringComparer.Ordinal)) list.Add(code);
        }
        foreach (var code in new[] { contactLanguage?.Replace('-', '_'), tenantDefault.Replace('-', '_') })
        {
            Add(code);
            Add(code?.Split('_')[0]);
        }
        return list;
    }

    /// <summary>Meta (and the sandbox, which speaks WhatsApp's format): body parameters by key, the header's value, each button's value by its index.</summary>
    internal static TemplateContent MetaContent(MessageTemplate template, IReadOnlyDictionary<string, string> parameters, MediaContent? headerMedia)
    {
        var body = parameters.Where(p => !p.Key.StartsWith(TemplateVariables.HeaderPrefix, StringComparison.Ordinal) && !p.Key.StartsWith(TemplateVariables.ButtonPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var header = parameters.FirstOrDefault(p => p.Key.StartsWith(TemplateVariables.HeaderPrefix, StringComparison.Ordinal)).Value;
        var buttons = new List<TemplateButtonValue>();
        if (template.Definition.Components.Authentication is not null && parameters.TryGetValue("1", out var code))
        {
            // WhatsApp's copy-code (OTP) button is a URL button underneath: the code goes as its suffix too.
            buttons.Add(new TemplateButtonValue(0, TemplateButtonValueKind.UrlSuffix, code));
        }
        var definitionButtons = template.Definition.Components.Buttons ?? [];
        for (var i = 0; i < definitionButtons.Count; i++)
        {
            if (parameters.TryGetValue(TemplateVariables.ButtonKey(i), out var value))
            {
                buttons.Add(new TemplateButtonValue(i, definitionButtons[i].Type == TemplateButtonType.CopyCode ? TemplateButtonValueKind.CopyCode : TemplateButtonValueKind.UrlSuffix, value));
            }
        }
        return new TemplateContent(template.ProviderName, template.Language, body, HeaderMedia: headerMedia) { HeaderText = header, ButtonValues = buttons };
    }

    /// <summary>
    /// Twilio: one numbering for the whole content, as the content was created with it
    /// (<see cref="Channels.Twilio.TwilioContentClient.VariablesOf"/>): each variable's value from
    /// our parameter for the part it fills; a media header's is the file's path on the example's host.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> TwilioVariables(TemplateDefinition definition, IReadOnlyDictionary<string, string> parameters, MediaContent? headerMedia)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in Channels.Twilio.TwilioContentClient.VariablesOf(definition))
        {
            var value = variable.VariableKey is { } key ? parameters.GetValueOrDefault(key) : headerMedia?.Url.PathAndQuery.TrimStart('/');
            if (value is not null) values[variable.Key] = value;
        }
        return values;
    }
}
