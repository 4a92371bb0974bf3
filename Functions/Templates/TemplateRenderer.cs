namespace Functions.Templates;

/// <summary>
/// A button as the customer gets it: its label, and what it does: the <see cref="Url"/> it opens
/// (variable substituted), the <see cref="PhoneNumber"/> it calls, or the <see cref="Code"/> it
/// copies. A quick reply only has its label.
/// </summary>
public sealed record RenderedButton(TemplateButtonType Type, string Text, string? Url = null, string? PhoneNumber = null, string? Code = null);

/// <summary>
/// A template's text with its parameters in it, as WhatsApp shows it: <see cref="Header"/> is
/// null without a text header (a media header shows the file sent with the message).
/// </summary>
public sealed record RenderedTemplate(string? Header, string Body, string? Footer, IReadOnlyList<RenderedButton> Buttons);

/// <summary>Why a parameter cannot be sent: <see cref="Code"/> is one of <see cref="ParameterProblemCodes"/>.</summary>
public sealed record ParameterProblem(string Code, string Message);

public static class ParameterProblemCodes
{
    /// <summary>The template needs it and it was not given.</summary>
    public const string Missing = "missing";
    /// <summary>Given, but the template has no such variable.</summary>
    public const string Unknown = "unknown";
    /// <summary>Empty or only white space: Meta and Twilio (63013) refuse it.</summary>
    public const string Empty = "empty";
    /// <summary>Longer than the variable takes (<see cref="TemplateVariable.MaxLength"/>).</summary>
    public const string TooLong = "too_long";
    /// <summary>A line break in a text parameter (Meta 132018).</summary>
    public const string Newline = "newline";
    /// <summary>A tab in a text parameter (Meta 132018).</summary>
    public const string Tab = "tab";
    /// <summary>More than <see cref="TemplateLimits.MaxConsecutiveSpaces"/> spaces in a row (Meta 132018).</summary>
    public const string SpaceRun = "space_run";
    /// <summary>White space in a URL button's suffix, which would break the link.</summary>
    public const string WhitespaceInUrl = "whitespace_in_url";
    /// <summary>
    /// The body with all its values is over <see cref="TemplateLimits.BodyMaxLength"/> (Twilio
    /// 63021); reported on the body parameter with the longest value.
    /// </summary>
    public const string BodyTooLong = "body_too_long";
}

/// <summary>
/// Previews a template for given parameters and checks them before a send. Parameters go by the
/// keys <see cref="TemplateVariables"/> describes: <c>1</c>/<c>customer_name</c> for the body,
/// <c>header.1</c>/<c>header.&lt;name&gt;</c> for the text header, <c>button.&lt;index&gt;</c> for a
/// URL button's suffix or a copy-code button's code.
/// </summary>
public static class TemplateRenderer
{
    /// <summary>
    /// The text the customer will read, values put in as given (WhatsApp's own formatting, such as
    /// <c>*bold*</c>, is left for the phone to show). A variable without a value stays as written
    /// (<c>{{2}}</c>), so a preview shows what is missing; call <see cref="ValidateParameters"/>
    /// before sending.
    /// </summary>
    public static RenderedTemplate Render(TemplateComponents components, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(parameters);
        if (components.Authentication is { } authentication)
        {
            return RenderAuthentication(components, authentication, parameters);
        }

        string? header = components.Header is { Format: HeaderFormat.Text, Text: { } headerText }
            ? Placeholders.Substitute(headerText, p => Value(parameters, TemplateVariables.HeaderKey(p.Name)))
            : null;
        var body = Placeholders.Substitute(components.Body ?? "", p => Value(parameters, p.Name));
        var buttons = components.Buttons ?? [];
        var rendered = new List<RenderedButton>(buttons.Count);
        for (var i = 0; i < buttons.Count; i++)
        {
            var button = buttons[i];
            var key = TemplateVariables.ButtonKey(i);
            rendered.Add(button.Type switch
            {
                TemplateButtonType.Url => new RenderedButton(button.Type, button.Text,
                    Url: button.Url is null ? null : Placeholders.Substitute(button.Url, _ => Value(parameters, key))),
                TemplateButtonType.PhoneNumber => new RenderedButton(button.Type, button.Text, PhoneNumber: button.PhoneNumber),
                TemplateButtonType.CopyCode => new RenderedButton(button.Type, button.Text, Code: Value(parameters, key)),
                _ => new RenderedButton(button.Type, button.Text),
            });
        }
        return new RenderedTemplate(header, body, string.IsNullOrEmpty(components.Footer) ? null : components.Footer, rendered);
    }

    /// <summary>
    /// An authentication template as WhatsApp shows it: the code (parameter <c>1</c>) in the fixed
    /// body, then the security sentence when it is on; the expiry as the footer; the copy-code
    /// button copying the code.
    /// </summary>
    private static RenderedTemplate RenderAuthentication(TemplateComponents components, AuthenticationOptions options, IReadOnlyDictionary<string, string> parameters)
    {
        var code = Value(parameters, "1");
        var body = Placeholders.Substitute(string.IsNullOrWhiteSpace(components.Body) ? AuthenticationTemplate.Body : components.Body, p => Value(parameters, p.Name));
        if (options.AddSecurityRecommendation)
        {
            body += " " + AuthenticationTemplate.SecurityRecommendation;
        }
        var footer = options.CodeExpirationMinutes is { } minutes ? AuthenticationTemplate.ExpirationFooter(minutes) : null;
        var button = new RenderedButton(TemplateButtonType.CopyCode, options.CopyCodeText ?? AuthenticationTemplate.DefaultCopyCodeText, Code: code);
        return new RenderedTemplate(null, body, footer, [button]);
    }

    /// <summary>
    /// What is wrong with <paramref name="parameters"/> for this template, by parameter key (the
    /// API answers 422 naming them); empty when they can be sent. A parameter has at most one
    /// problem: missing, unknown, empty, too long, then a line break, tab or run of spaces, which
    /// Meta refuses in text parameters with 132018 (and Twilio with 63013). Template variables come
    /// first in the template's order, then unknown keys in ordinal order.
    /// </summary>
    public static IReadOnlyDictionary<string, ParameterProblem> ValidateParameters(TemplateComponents components, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(parameters);

        var variables = TemplateVariables.Of(components);
        var problems = new Dictionary<string, ParameterProblem>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            if (!parameters.TryGetValue(variable.Key, out var value))
            {
                problems[variable.Key] = new(ParameterProblemCodes.Missing, $"'{variable.Key}' is missing: {Describe(variable)} needs a value.");
            }
            else if (Check(variable, value) is { } problem)
            {
                problems[variable.Key] = problem;
            }
        }

        var known = variables.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in parameters.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal))
        {
            var takes = known.Count == 0 ? "it takes no parameters" : "it takes " + string.Join(", ", variables.Select(v => v.Key));
            problems[key] = new(ParameterProblemCodes.Unknown, $"'{key}' is not a variable of this template: {takes}.");
        }

        var body = variables.Where(v => v.Component == "body").ToList();
        if (body.Count > 0 && body.All(v => !problems.ContainsKey(v.Key)))
        {
            var length = TemplateText.Length(Placeholders.Substitute(components.Body, p => Value(parameters, p.Name)));
            if (length > TemplateLimits.BodyMaxLength)
            {
                var longest = body.MaxBy(v => parameters[v.Key].Length)!;
                problems[longest.Key] = new(ParameterProblemCodes.BodyTooLong,
                    $"With these values the body is {length:N0} characters; a body takes at most {TemplateLimits.BodyMaxLength:N0} once its values are in. '{longest.Key}' is the longest.");
            }
        }
        return problems;
    }

    private static string? Value(IReadOnlyDictionary<string, string> parameters, string key) =>
        parameters.TryGetValue(key, out var value) ? value : null;

    private static ParameterProblem? Check(TemplateVariable variable, string? value)
    {
        var key = variable.Key;
        if (string.IsNullOrWhiteSpace(value))
        {
            return new(ParameterProblemCodes.Empty, $"'{key}' is empty: WhatsApp refuses empty parameters.");
        }
        var length = TemplateText.Length(value);
        if (length > variable.MaxLength)
        {
            return new(ParameterProblemCodes.TooLong, $"'{key}' is {length:N0} characters; {Describe(variable)} takes at most {variable.MaxLength:N0}.");
        }
        if (variable.Placeholder is not null && variable.Component.StartsWith("buttons[", StringComparison.Ordinal))
        {
            return value.AsSpan().IndexOfAny(" \t\r\n\f\v") >= 0
                ? new(ParameterProblemCodes.WhitespaceInUrl, $"'{key}' has white space: it is the end of a link, which white space would break.")
                : null;
        }
        const string refused = "WhatsApp refuses line breaks, tabs and more than 4 spaces in a row in parameters (Meta error 132018)";
        if (TemplateText.IndexOfNewline(value) >= 0)
        {
            return new(ParameterProblemCodes.Newline, $"'{key}' has a line break: {refused}.");
        }
        if (value.Contains('\t', StringComparison.Ordinal))
        {
            return new(ParameterProblemCodes.Tab, $"'{key}' has a tab: {refused}.");
        }
        if (TemplateText.IndexOfLongSpaceRun(value) >= 0)
        {
            return new(ParameterProblemCodes.SpaceRun, $"'{key}' has more than {TemplateLimits.MaxConsecutiveSpaces} spaces in a row: {refused}.");
        }
        return null;
    }

    private static string Describe(TemplateVariable variable) => variable.Component switch
    {
        "body" => $"the body's {{{{{variable.Placeholder}}}}}",
        "header" => $"the header's {{{{{variable.Placeholder}}}}}",
        _ when variable.Placeholder is null => $"the copy-code button {variable.Component}",
        _ => $"the URL of {variable.Component}",
    };
}
