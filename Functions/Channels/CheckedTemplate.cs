using System.Text.RegularExpressions;
using Functions.Channels.Twilio;
using Functions.Templates;

namespace Functions.Channels;

/// <summary>An example value for one placeholder: its key ("1", or "customer_name") and the sample the review sees.</summary>
internal sealed record TemplateParameter(string Key, string Example);

/// <summary>A checked header: text with at most one parameter, or a media format with its (optional) example file.</summary>
internal sealed record CheckedHeader(HeaderFormat Format, string? Text, TemplateParameter? Parameter, Uri? MediaExampleUrl);

/// <summary>
/// A checked button. For a URL button, <see cref="UrlHasVariable"/> says the URL ends in <c>{{1}}</c>
/// and <see cref="Example"/> is the sample suffix; for copy-code, <see cref="Example"/> is the sample code.
/// </summary>
internal sealed record CheckedButton(TemplateButtonType Type, string Text, string? Url, bool UrlHasVariable, string? PhoneNumber, string? Example);

/// <summary>
/// A <see cref="TemplateDefinition"/> checked against what WhatsApp documents for every template,
/// whichever provider submits it, so a request that would surely be refused is never sent. The
/// numbers are <see cref="TemplateLimits"/>' (lengths in code points) and placeholders are read as
/// <see cref="Templates.Placeholders"/> reads them, so this agrees with the <see cref="TemplateLinter"/>'s
/// errors; the linter says more (wording, variables at the ends, ratios), this only refuses what
/// cannot be submitted. The checks (an <see cref="ArgumentException"/> naming the field, or
/// <see cref="NotSupportedException"/>):
/// <list type="bullet">
/// <item>Name: lowercase letters, digits and <c>_</c>, at most 512 characters. Language: a WhatsApp
/// code (<c>en</c>, <c>en_US</c>; <c>en-US</c> is accepted and sent as <c>en_US</c>).</item>
/// <item>Category: Marketing, Utility or Authentication. An authentication template has WhatsApp's
/// fixed layout: the body is exactly <see cref="AuthenticationTemplate.Body"/> (its example, if any,
/// is the sample code of at most 15 characters), <see cref="TemplateComponents.Authentication"/> is
/// given (expiry 1–90 minutes, copy-code label at most 25 characters), and there is no header,
/// footer or button (Meta's OTP copy-code button and expiry footer come from the options). Other
/// templates take no authentication options.</item>
/// <item>Body: required, at most 1,024 characters; placeholders all positional (<c>{{1}}</c> … <c>{{n}}</c>,
/// none missing) or all named (<c>{{lower_snake}}</c>), never mixed; every placeholder has an example
/// and every example a placeholder; no stray <c>{{</c> or <c>}}</c>.</item>
/// <item>Header: text of at most 60 characters with at most one placeholder (<c>{{1}}</c>, or a name
/// when the body's are named) and its example; or an image, video or document (no text).</item>
/// <item>Footer: at most 60 characters, no placeholder.</item>
/// <item>Buttons: at most 10, each text at most 25 characters; at most 2 URL, 1 phone-number and 1
/// copy-code button. A URL is absolute http(s), at most 2,000 characters, and may end in <c>{{1}}</c>
/// (then the example suffix is required); a phone number is E.164; a copy code's example is at
/// most 15 characters.</item>
/// </list>
/// Review rules that are judgement (a placeholder at the start or end, adjacent placeholders,
/// wording) are the linter's to warn about and the review's to decide.
/// </summary>
internal sealed partial class CheckedTemplate
{
    private const string Param = "definition";

    private CheckedTemplate(
        string name,
        string language,
        TemplateCategory category,
        string body,
        IReadOnlyList<TemplateParameter> bodyParameters,
        bool named,
        CheckedHeader? header,
        string? footer,
        IReadOnlyList<CheckedButton> buttons,
        AuthenticationOptions? authentication = null)
    {
        Authentication = authentication;
        Name = name;
        Language = language;
        Category = category;
        Body = body;
        BodyParameters = bodyParameters;
        Named = named;
        Header = header;
        Footer = footer;
        Buttons = buttons;
    }

    public string Name { get; }

    /// <summary>WhatsApp's form: <c>en_US</c>, never <c>en-US</c>.</summary>
    public string Language { get; }

    public TemplateCategory Category { get; }

    public string Body { get; }

    /// <summary>Positional: by number, <c>1</c> to <c>n</c>. Named: in order of first appearance in the body.</summary>
    public IReadOnlyList<TemplateParameter> BodyParameters { get; }

    /// <summary>True when the template's placeholders are named (Meta's <c>parameter_format: NAMED</c>).</summary>
    public bool Named { get; }

    public CheckedHeader? Header { get; }

    public string? Footer { get; }

    public IReadOnlyList<CheckedButton> Buttons { get; }

    /// <summary>An authentication template's options (then the body is WhatsApp's fixed text, with no header, footer or buttons); null otherwise.</summary>
    public AuthenticationOptions? Authentication { get; }

    /// <summary>The sample code an authentication template's review and Twilio's variable get when the definition gives none.</summary>
    public const string DefaultSampleCode = "123456";

    /// <exception cref="ArgumentException">The definition breaks a documented rule; the message names the field, nothing was sent.</exception>
    public static CheckedTemplate From(TemplateDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var components = definition.Components ?? throw new ArgumentException("TemplateDefinition.Components is required.", Param);

        if (definition.Name is null || !NamePattern().IsMatch(definition.Name))
        {
            throw new ArgumentException($"TemplateDefinition.Name must be 1 to {TemplateLimits.NameMaxLength} lowercase letters, digits or underscores.", Param);
        }
        if (definition.Language is null || !LanguagePattern().IsMatch(definition.Language))
        {
            throw new ArgumentException("TemplateDefinition.Language must be a WhatsApp language code such as 'en', 'en_US' or 'pt_BR'.", Param);
        }
        if (definition.Category == TemplateCategory.Authentication)
        {
            return CheckAuthentication(definition, components);
        }
        if (definition.Category is not (TemplateCategory.Marketing or TemplateCategory.Utility))
        {
            throw new ArgumentException($"TemplateDefinition.Category {definition.Category} is not a WhatsApp category.", Param);
        }
        if (components.Authentication is not null)
        {
            throw new ArgumentException("TemplateComponents.Authentication is for AUTHENTICATION templates only.", Param);
        }

        var (bodyParameters, named) = CheckBody(components.Body, components.BodyExamples);
        var header = components.Header is { } h ? CheckHeader(h, ref named, bodyParameters.Count > 0) : null;
        var footer = CheckFooter(components.Footer);
        var buttons = CheckButtons(components.Buttons ?? []);

        return new CheckedTemplate(definition.Name, definition.Language.Replace('-', '_'), definition.Category,
            components.Body!, bodyParameters, named, header, footer, buttons);
    }

    private static CheckedTemplate CheckAuthentication(TemplateDefinition definition, TemplateComponents components)
    {
        var options = components.Authentication
            ?? throw new ArgumentException("An AUTHENTICATION template needs TemplateComponents.Authentication (security recommendation, expiry, copy-code label).", Param);
        if (!string.Equals(components.Body?.Trim(), AuthenticationTemplate.Body, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An AUTHENTICATION template's TemplateComponents.Body is WhatsApp's fixed \"{AuthenticationTemplate.Body}\".", Param);
        }
        if (components.Header is not null || components.Footer is not null || components.Buttons is { Count: > 0 })
        {
            throw new ArgumentException(
                "An AUTHENTICATION template has no header, footer or buttons: WhatsApp adds the expiry footer and the copy-code button from TemplateComponents.Authentication.", Param);
        }
        if (!AuthenticationTemplate.IsValidExpiration(options.CodeExpirationMinutes))
        {
            throw new ArgumentException(
                $"TemplateComponents.Authentication.CodeExpirationMinutes is {AuthenticationTemplate.MinCodeExpirationMinutes} to {AuthenticationTemplate.MaxCodeExpirationMinutes}.", Param);
        }
        if (options.CopyCodeText is { } text && (string.IsNullOrWhiteSpace(text) || TemplateText.Length(text) > TemplateLimits.ButtonTextMaxLength))
        {
            throw new ArgumentException($"TemplateComponents.Authentication.CopyCodeText is 1 to {TemplateLimits.ButtonTextMaxLength} characters.", Param);
        }
        // Only {{1}}'s example counts (the sample code); WhatsApp's fixed text has no other variable.
        var sample = components.BodyExamples?.GetValueOrDefault("1");
        if (string.IsNullOrWhiteSpace(sample))
        {
            sample = DefaultSampleCode;
        }
        else if (TemplateText.Length(sample) > TemplateLimits.CopyCodeMaxLength)
        {
            throw new ArgumentException($"TemplateComponents.BodyExamples[\"1\"] is the sample code, at most {TemplateLimits.CopyCodeMaxLength} characters.", Param);
        }
        return new CheckedTemplate(definition.Name, definition.Language.Replace('-', '_'), TemplateCategory.Authentication,
            AuthenticationTemplate.Body, [new TemplateParameter("1", sample)], false, null, null, [], options);
    }

    /// <summary>The placeholders of a text, in order of appearance; refuses malformed ones and stray braces.</summary>
    public static List<string> Placeholders(string text, string field)
    {
        var found = Templates.Placeholders.Find(text);
        if (found.FirstOrDefault(p => !p.IsValid) is { Length: > 0 } invalid)
        {
            throw new ArgumentException(
                $"{field} has the placeholder '{{{{{invalid.Name}}}}}': use a number ({{{{1}}}}) or a lowercase name with underscores ({{{{order_number}}}}).", Param);
        }
        if (Templates.Placeholders.StrayBraces(text, found).Count > 0)
        {
            throw new ArgumentException($"{field} has '{{{{' or '}}}}' that is not part of a placeholder (mismatched braces).", Param);
        }
        return [.. found.Select(p => p.Name)];
    }

    public static bool IsPositional(string key) => Templates.Placeholders.IsPositionalName(key);

    /// <summary>The text with each placeholder's key replaced: <c>{{order_number}}</c> becomes <c>{{</c> + <paramref name="map"/>(key) + <c>}}</c>.</summary>
    public static string RenamePlaceholders(string text, Func<string, string> map) =>
        Templates.Placeholders.Substitute(text, p => "{{" + map(p.Name) + "}}");

    private static (List<TemplateParameter> Parameters, bool Named) CheckBody(string? body, IReadOnlyDictionary<string, string>? examples)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw new ArgumentException("TemplateComponents.Body is required.", Param);
        }
        if (TemplateText.Length(body) > TemplateLimits.BodyMaxLength)
        {
            throw new ArgumentException($"TemplateComponents.Body is {TemplateText.Length(body)} characters; WhatsApp allows {TemplateLimits.BodyMaxLength}.", Param);
        }
        examples ??= new Dictionary<string, string>();
        var keys = Placeholders(body, "TemplateComponents.Body").Distinct(StringComparer.Ordinal).ToList();
        var positional = keys.Count(IsPositional);
        if (positional > 0 && positional < keys.Count)
        {
            throw new ArgumentException("TemplateComponents.Body mixes positional ({{1}}) and named ({{name}}) placeholders; use one kind.", Param);
        }
        var named = keys.Count > 0 && positional == 0;
        if (!named)
        {
            keys = [.. keys.OrderBy(k => int.Parse(k, System.Globalization.CultureInfo.InvariantCulture))];
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i] != (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw new ArgumentException($"TemplateComponents.Body must number its placeholders {{{{1}}}} to {{{{{keys.Count}}}}} without gaps; {{{{{i + 1}}}}} is missing.", Param);
                }
            }
        }
        foreach (var key in examples.Keys)
        {
            if (!keys.Contains(key, StringComparer.Ordinal))
            {
                throw new ArgumentException($"TemplateComponents.BodyExamples has '{key}' but the body has no {{{{{key}}}}}.", Param);
            }
        }
        var parameters = new List<TemplateParameter>(keys.Count);
        foreach (var key in keys)
        {
            if (!examples.TryGetValue(key, out var example) || string.IsNullOrWhiteSpace(example))
            {
                throw new ArgumentException($"TemplateComponents.BodyExamples needs an example for {{{{{key}}}}}; the review requires one for every placeholder.", Param);
            }
            parameters.Add(new TemplateParameter(key, example));
        }
        return (parameters, named);
    }

    private static CheckedHeader CheckHeader(TemplateHeader header, ref bool named, bool bodyHasParameters)
    {
        if (header.Format is HeaderFormat.Image or HeaderFormat.Video or HeaderFormat.Document)
        {
            if (!string.IsNullOrEmpty(header.Text) || !string.IsNullOrEmpty(header.Example))
            {
                throw new ArgumentException($"A {header.Format} header has no text or text example; give MediaExampleUrl only.", Param);
            }
            Uri? example = null;
            if (header.MediaExampleUrl is not null
                && (!Uri.TryCreate(header.MediaExampleUrl, UriKind.Absolute, out example) || (example.Scheme != Uri.UriSchemeHttps && example.Scheme != Uri.UriSchemeHttp)))
            {
                throw new ArgumentException("TemplateHeader.MediaExampleUrl must be an absolute http(s) URL of a public file.", Param);
            }
            return new CheckedHeader(header.Format, null, null, example);
        }
        if (header.Format != HeaderFormat.Text)
        {
            throw new ArgumentException($"HeaderFormat {header.Format} is not supported.", Param);
        }
        if (string.IsNullOrWhiteSpace(header.Text))
        {
            throw new ArgumentException("A text header needs TemplateHeader.Text.", Param);
        }
        if (TemplateText.Length(header.Text) > TemplateLimits.HeaderMaxLength)
        {
            throw new ArgumentException($"TemplateHeader.Text is {TemplateText.Length(header.Text)} characters; WhatsApp allows {TemplateLimits.HeaderMaxLength}.", Param);
        }
        if (header.MediaExampleUrl is not null)
        {
            throw new ArgumentException("A text header has no MediaExampleUrl.", Param);
        }
        var keys = Placeholders(header.Text, "TemplateHeader.Text");
        if (keys.Count == 0)
        {
            if (!string.IsNullOrEmpty(header.Example))
            {
                throw new ArgumentException("TemplateHeader.Example is given but the header text has no placeholder.", Param);
            }
            return new CheckedHeader(HeaderFormat.Text, header.Text, null, null);
        }
        if (keys.Count > 1)
        {
            throw new ArgumentException("TemplateHeader.Text may hold one placeholder only.", Param);
        }
        var key = keys[0];
        var headerNamed = !IsPositional(key);
        if (bodyHasParameters && headerNamed != named)
        {
            throw new ArgumentException("The header and the body must use the same kind of placeholder (all positional or all named).", Param);
        }
        if (!headerNamed && key != "1")
        {
            throw new ArgumentException("A text header's positional placeholder is {{1}} (the header numbers its own).", Param);
        }
        if (string.IsNullOrWhiteSpace(header.Example))
        {
            throw new ArgumentException($"TemplateHeader.Example is required for the header's {{{{{key}}}}}.", Param);
        }
        named = headerNamed;
        return new CheckedHeader(HeaderFormat.Text, header.Text, new TemplateParameter(key, header.Example), null);
    }

    private static string? CheckFooter(string? footer)
    {
        if (footer is null)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(footer))
        {
            throw new ArgumentException("TemplateComponents.Footer is empty; leave it out instead.", Param);
        }
        if (TemplateText.Length(footer) > TemplateLimits.FooterMaxLength)
        {
            throw new ArgumentException($"TemplateComponents.Footer is {TemplateText.Length(footer)} characters; WhatsApp allows {TemplateLimits.FooterMaxLength}.", Param);
        }
        if (Placeholders(footer, "TemplateComponents.Footer").Count > 0)
        {
            throw new ArgumentException("TemplateComponents.Footer cannot hold a placeholder.", Param);
        }
        return footer;
    }

    private static List<CheckedButton> CheckButtons(IReadOnlyList<TemplateButton> buttons)
    {
        if (buttons.Count > TemplateLimits.MaxButtons)
        {
            throw new ArgumentException($"A template has at most {TemplateLimits.MaxButtons} buttons; this one has {buttons.Count}.", Param);
        }
        var result = new List<CheckedButton>(buttons.Count);
        for (var i = 0; i < buttons.Count; i++)
        {
            var button = buttons[i] ?? throw new ArgumentException($"Buttons[{i}] is null.", Param);
            var field = $"Buttons[{i}]";
            var text = button.Text ?? "";
            if (TemplateText.Length(text) > TemplateLimits.ButtonTextMaxLength)
            {
                throw new ArgumentException($"{field}.Text is {TemplateText.Length(text)} characters; WhatsApp allows {TemplateLimits.ButtonTextMaxLength}.", Param);
            }
            // Meta does not let a copy-code button's text be changed, so it may be left empty.
            if (button.Type != TemplateButtonType.CopyCode && string.IsNullOrWhiteSpace(text))
            {
                throw new ArgumentException($"{field}.Text is required.", Param);
            }
            result.Add(button.Type switch
            {
                TemplateButtonType.QuickReply => new CheckedButton(button.Type, text, null, false, null, null),
                TemplateButtonType.Url => CheckUrlButton(button, text, field),
                TemplateButtonType.PhoneNumber => E164.IsValid(button.PhoneNumber)
                    ? new CheckedButton(button.Type, text, null, false, button.PhoneNumber, null)
                    : throw new ArgumentException($"{field}.PhoneNumber must be an E.164 number ('+' and 7 to 15 digits).", Param),
                TemplateButtonType.CopyCode => string.IsNullOrWhiteSpace(button.Example) || TemplateText.Length(button.Example) > TemplateLimits.CopyCodeMaxLength
                    ? throw new ArgumentException($"{field}.Example must be the sample code, 1 to {TemplateLimits.CopyCodeMaxLength} characters.", Param)
                    : new CheckedButton(button.Type, text, null, false, null, button.Example),
                _ => throw new ArgumentException($"{field}.Type {button.Type} is not supported.", Param),
            });
        }
        if (result.Count(b => b.Type == TemplateButtonType.Url) > TemplateLimits.MaxUrlButtons)
        {
            throw new ArgumentException($"A template has at most {TemplateLimits.MaxUrlButtons} URL buttons.", Param);
        }
        if (result.Count(b => b.Type == TemplateButtonType.PhoneNumber) > TemplateLimits.MaxPhoneNumberButtons)
        {
            throw new ArgumentException($"A template has at most {TemplateLimits.MaxPhoneNumberButtons} phone-number button.", Param);
        }
        if (result.Count(b => b.Type == TemplateButtonType.CopyCode) > TemplateLimits.MaxCopyCodeButtons)
        {
            throw new ArgumentException("A template has at most one copy-code button.", Param);
        }
        return result;
    }

    private static CheckedButton CheckUrlButton(TemplateButton button, string text, string field)
    {
        var url = button.Url ?? "";
        if (TemplateText.Length(url) > TemplateLimits.UrlMaxLength)
        {
            throw new ArgumentException($"{field}.Url is longer than {TemplateLimits.UrlMaxLength} characters.", Param);
        }
        var keys = Placeholders(url, $"{field}.Url");
        var hasVariable = keys.Count > 0;
        if (hasVariable && (keys.Count > 1 || keys[0] != "1" || !url.EndsWith("{{1}}", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{field}.Url may only end in one {{{{1}}}} (a variable suffix).", Param);
        }
        var fixedPart = hasVariable ? url[..^"{{1}}".Length] : url;
        if (!Uri.TryCreate(fixedPart, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{field}.Url must be an absolute http(s) URL.", Param);
        }
        if (hasVariable && string.IsNullOrWhiteSpace(button.Example))
        {
            throw new ArgumentException($"{field}.Example is required: the sample value of the URL's {{{{1}}}} suffix.", Param);
        }
        return new CheckedButton(TemplateButtonType.Url, text, url, hasVariable, null, hasVariable ? button.Example : null);
    }

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}([_-][A-Za-z0-9]{2,4})?$")]
    private static partial Regex LanguagePattern();
}
