using System.Globalization;
using System.Text.RegularExpressions;
using Functions.Contacts;

namespace Functions.Templates;

/// <summary>
/// Predicts what the providers' review will refuse, before a template is submitted. Pure: the
/// same template gives the same findings, in the order of the template (name, header, body,
/// footer, buttons), then by position. A template with no <see cref="LintSeverity.Error"/> may
/// still be rejected (the review also reads for meaning), and one with warnings may pass.
/// <para>Limits are in <see cref="TemplateLimits"/>; sources are providers.md §8 keys, or the pages named there.</para>
/// <list type="table">
/// <listheader><term>Code (severity)</term><description>Finds</description></listheader>
/// <item><term><c>name_format</c> (error)</term><description>a name that is empty, longer than 512, or has anything but lowercase letters, digits and <c>_</c> [M3]; seed 001: "lowercase with underscore (_) used as space"</description></item>
/// <item><term><c>invalid_placeholder</c> (error)</term><description>a <c>{{…}}</c> that is neither <c>{{1}}</c>… nor a lowercase name: spaces, capitals, <c># $ %</c> inside [M33]</description></item>
/// <item><term><c>unbalanced_braces</c> (error)</term><description>a <c>{{</c> or <c>}}</c> that closes nothing, or a third brace (<c>{{{1}}}</c>) ("mismatched braces" [M33])</description></item>
/// <item><term><c>mixed_placeholder_styles</c> (error)</term><description>positional and named variables in one template (header and body); Meta's <c>parameter_format</c> is one or the other [M3]</description></item>
/// <item><term><c>missing_example</c> (error)</term><description>a variable (body, header, URL) without its example, a copy-code button without an example code, or a media header without an example file [M2]</description></item>
/// <item><term><c>unused_example</c> (info)</term><description>an example for a body variable the body does not have</description></item>
/// <item><term><c>example_too_long</c> (error)</term><description>a copy-code example over 15 characters, or an authentication template's example code over 15</description></item>
/// <item><term><c>header_empty</c> (error)</term><description>a text header with no text</description></item>
/// <item><term><c>header_too_long</c> (error)</term><description>a text header over 60 characters [M2]</description></item>
/// <item><term><c>header_too_many_variables</c> (error)</term><description>more than one variable in the header [M2]</description></item>
/// <item><term><c>newline_in_header</c> (error)</term><description>a line break in the header</description></item>
/// <item><term><c>body_empty</c> (error)</term><description>no body: the only component every template needs [M2]</description></item>
/// <item><term><c>body_too_long</c> (error)</term><description>a body over 1,024 characters [M2]</description></item>
/// <item><term><c>variable_at_start</c> (error)</term><description>a body that opens with a variable (only white space before it) [M33][T3]; seed 003: "variable in greeting (not allowed in opening)"</description></item>
/// <item><term><c>variable_at_end</c> (error)</term><description>a body that ends with a variable [M33][T3]</description></item>
/// <item><term><c>adjacent_variables</c> (error)</term><description>two variables with only white space between them [M33][T3]</description></item>
/// <item><term><c>placeholder_not_sequential</c> (error)</term><description>positional variables with a gap or not starting at 1 (<c>{{1}} {{3}}</c>); a header's variable other than <c>{{1}}</c> [M33]</description></item>
/// <item><term><c>placeholder_out_of_order</c> (warning)</term><description>all numbers present but not in the order they appear (<c>{{2}} … {{1}}</c>)</description></item>
/// <item><term><c>placeholder_repeated</c> (warning)</term><description>the same variable twice in the body</description></item>
/// <item><term><c>too_many_variables</c> (warning)</term><description>words + variables below 3 × variables + 1 (see <see cref="TemplateLimits.WordsAndVariablesPerVariable"/>)</description></item>
/// <item><term><c>too_many_newlines</c> (warning)</term><description>more than 2 line breaks in a row in the body</description></item>
/// <item><term><c>footer_too_long</c> (error)</term><description>a footer over 60 characters [M2]</description></item>
/// <item><term><c>footer_has_variable</c> (error)</term><description>a variable in the footer, which takes none</description></item>
/// <item><term><c>newline_in_footer</c> (error)</term><description>a line break in the footer</description></item>
/// <item><term><c>long_space_run</c> (warning)</term><description>more than 4 spaces in a row in the header, body or footer</description></item>
/// <item><term><c>tab_in_text</c> (warning)</term><description>a tab in the header, body, footer or a button label</description></item>
/// <item><term><c>formatting_not_supported</c> (warning)</term><description>Markdown characters (<c>* _ ~ `</c>) or emoji in the header, footer or a button label (Meta: "Do not use Markdown special characters" in headers)</description></item>
/// <item><term><c>shortened_url</c> (warning)</term><description>a link shortener or <c>wa.me</c> link in the body or a URL button [M34]</description></item>
/// <item><term><c>too_many_buttons</c> (error)</term><description>more than 10 buttons [M2]</description></item>
/// <item><term><c>too_many_url_buttons</c>, <c>too_many_phone_number_buttons</c>, <c>too_many_copy_code_buttons</c> (error)</term><description>more than 2 URL, 1 phone-number or 1 copy-code button (<see cref="TemplateLimits.MaxUrlButtons"/>); on the first button over the count</description></item>
/// <item><term><c>buttons_not_grouped</c> (error)</term><description>quick replies mixed in among the other buttons instead of kept together</description></item>
/// <item><term><c>button_text_empty</c>, <c>button_text_too_long</c>, <c>newline_in_button</c> (error)</term><description>a label that is empty, over 25 characters [M2], or has a line break</description></item>
/// <item><term><c>url_invalid</c> (error)</term><description>a URL button without an absolute http(s) URL</description></item>
/// <item><term><c>url_too_long</c> (error)</term><description>a URL over 2,000 characters</description></item>
/// <item><term><c>url_too_many_variables</c> (error)</term><description>more than one variable in a URL</description></item>
/// <item><term><c>url_variable_not_at_end</c> (error)</term><description>a URL variable anywhere but at the very end</description></item>
/// <item><term><c>phone_number_invalid</c> (error)</term><description>a phone-number button without an international number (+ and country code) of at most 20 characters</description></item>
/// <item><term><c>copy_code_not_marketing</c> (warning)</term><description>a copy-code button outside a MARKETING template (Meta's coupon-code templates are marketing templates)</description></item>
/// <item><term><c>promotional_wording</c> (warning)</term><description>a promotional word or phrase (<see cref="PromotionalWords"/> and the tenant's own) in a UTILITY template (an AUTHENTICATION template's text is WhatsApp's own) [T11]; seed 003: "promotional language in utility template"</description></item>
/// <item><term><c>authentication_body_not_fixed</c> (error)</term><description>an AUTHENTICATION template whose body is not WhatsApp's fixed "{{1}} is your verification code." (<see cref="AuthenticationTemplate.Body"/>); the ordinary body rules (a variable at the start or end, the ratio, examples) are not applied to that fixed text</description></item>
/// <item><term><c>authentication_options_missing</c> (error)</term><description>an AUTHENTICATION template without its <see cref="TemplateComponents.Authentication"/> options</description></item>
/// <item><term><c>authentication_options_invalid</c> (error)</term><description>an expiry outside 1–90 minutes or a copy-code label empty or over 25 characters; or authentication options on a template that is not AUTHENTICATION</description></item>
/// <item><term><c>authentication_component_not_allowed</c> (error)</term><description>a header, footer text or buttons in an AUTHENTICATION template: WhatsApp sets its footer (the expiry) and its one copy-code button</description></item>
/// </list>
/// </summary>
public static partial class TemplateLinter
{
    // Link shorteners hide where a link goes, and wa.me links are refused in templates [M34].
    private static readonly HashSet<string> ShortenerHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "rebrand.ly", "cutt.ly",
        "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "wa.me",
    };

    [GeneratedRegex(@"(?<![\w.@-])(?:https?://)?(?:www\.)?(?<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LinkHost();

    public static IReadOnlyList<LintFinding> Lint(TemplateDefinition template, LintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(template.Components);
        var findings = new List<LintFinding>();

        LintName(template.Name, findings);
        if (template.Category == TemplateCategory.Authentication)
        {
            LintAuthentication(template.Components, findings);
        }
        else
        {
            LintOrdinary(template, options, findings);
        }

        return findings
            .OrderBy(f => ComponentRank(f.Component))
            .ThenBy(f => f.Position ?? -1)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ToList();
    }

    private static void LintOrdinary(TemplateDefinition template, LintOptions? options, List<LintFinding> findings)
    {
        var components = template.Components;
        if (components.Authentication is not null)
        {
            Add(findings, LintCodes.AuthenticationOptionsInvalid, "body", null,
                $"Authentication options belong to AUTHENTICATION templates; this one is {template.Category.ToString().ToUpperInvariant()}: leave them out.");
        }
        var headerVariables = LintHeader(components.Header, findings);
        var bodyVariables = LintBody(components, findings);
        LintStyles(headerVariables, bodyVariables, findings);
        LintFooter(components.Footer, findings);
        LintButtons(template.Category, components.Buttons ?? [], findings);
        if (template.Category is TemplateCategory.Utility)
        {
            LintPromotional(template, options, findings);
        }
    }

    /// <summary>
    /// WhatsApp's fixed layout: the body is <see cref="AuthenticationTemplate.Body"/> (the ordinary
    /// body rules would misfire on it: it opens with the code), the options are given and in range,
    /// and nothing else is written (WhatsApp adds the footer and the copy-code button).
    /// </summary>
    private static void LintAuthentication(TemplateComponents components, List<LintFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(components.Body))
        {
            Add(findings, LintCodes.BodyEmpty, "body", null, $"The body is empty: an authentication template's body is \"{AuthenticationTemplate.Body}\".");
        }
        else if (!string.Equals(components.Body.Trim(), AuthenticationTemplate.Body, StringComparison.Ordinal))
        {
            Add(findings, LintCodes.AuthenticationBodyNotFixed, "body", null,
                $"WhatsApp fixes an authentication template's body: write exactly \"{AuthenticationTemplate.Body}\" ({{{{1}}}} is the code); the security sentence and the expiry are options.");
        }
        else if (components.BodyExamples?.GetValueOrDefault("1") is { } sample && TemplateText.Length(sample) > TemplateLimits.CopyCodeMaxLength)
        {
            Add(findings, LintCodes.ExampleTooLong, "body", null,
                $"The example code is {TemplateText.Length(sample)} characters; an authentication code is at most {TemplateLimits.CopyCodeMaxLength}.");
        }
        if (components.Authentication is not { } options)
        {
            Add(findings, LintCodes.AuthenticationOptionsMissing, "body", null,
                "An authentication template needs its authentication options (addSecurityRecommendation, codeExpirationMinutes, copyCodeText).");
        }
        else
        {
            if (!AuthenticationTemplate.IsValidExpiration(options.CodeExpirationMinutes))
            {
                Add(findings, LintCodes.AuthenticationOptionsInvalid, "footer", null,
                    $"The code expires in {AuthenticationTemplate.MinCodeExpirationMinutes} to {AuthenticationTemplate.MaxCodeExpirationMinutes} minutes; {options.CodeExpirationMinutes} is not allowed.");
            }
            if (options.CopyCodeText is { } text && (string.IsNullOrWhiteSpace(text) || TemplateText.Length(text) > TemplateLimits.ButtonTextMaxLength))
            {
                Add(findings, LintCodes.AuthenticationOptionsInvalid, TemplateVariables.Component(0), null,
                    $"The copy-code button's label is 1 to {TemplateLimits.ButtonTextMaxLength} characters.");
            }
        }
        if (components.Header is not null)
        {
            Add(findings, LintCodes.AuthenticationComponentNotAllowed, "header", null, "An authentication template has no header.");
        }
        if (!string.IsNullOrEmpty(components.Footer))
        {
            Add(findings, LintCodes.AuthenticationComponentNotAllowed, "footer", null,
                "An authentication template's footer is WhatsApp's expiry sentence: set codeExpirationMinutes instead of a footer.");
        }
        if (components.Buttons is { Count: > 0 })
        {
            Add(findings, LintCodes.AuthenticationComponentNotAllowed, TemplateVariables.Component(0), null,
                "An authentication template's one button is WhatsApp's copy-code button: set copyCodeText instead of buttons.");
        }
    }

    private static void Add(List<LintFinding> findings, string code, string component, int? position, string message) =>
        findings.Add(new LintFinding(code, LintCodes.All[code], component, position, message));

    private static string Braced(string name) => "{{" + name + "}}";

    private static int ComponentRank(string component) => component switch
    {
        "name" => 0,
        "header" => 1,
        "body" => 2,
        "footer" => 3,
        _ => 4 + int.Parse(component.AsSpan(8, component.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture),
    };

    private static void LintName(string? name, List<LintFinding> findings)
    {
        if (string.IsNullOrEmpty(name))
        {
            Add(findings, LintCodes.NameFormat, "name", null, "The name is empty: give it lowercase letters, digits and underscores (order_shipped).");
            return;
        }
        var bad = name.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789_");
        if (bad >= 0)
        {
            var hint = char.IsWhiteSpace(name[bad]) ? " (write spaces as _)" : char.IsUpper(name[bad]) ? " (write it in lowercase)" : "";
            Add(findings, LintCodes.NameFormat, "name", bad,
                $"'{name[bad]}' cannot be in a name: names take lowercase letters, digits and underscores only{hint}.");
        }
        else if (name.Length > TemplateLimits.NameMaxLength)
        {
            Add(findings, LintCodes.NameFormat, "name", TemplateLimits.NameMaxLength,
                $"The name is {name.Length} characters; names take at most {TemplateLimits.NameMaxLength}.");
        }
    }

    /// <summary>Syntax of the placeholders of one text: the invalid ones and stray braces. Returns the valid ones.</summary>
    private static List<Placeholder> LintPlaceholders(string text, string component, List<LintFinding> findings)
    {
        var all = Placeholders.Find(text);
        foreach (var p in all.Where(p => !p.IsValid))
        {
            Add(findings, LintCodes.InvalidPlaceholder, component, p.Start,
                $"{Braced(p.Name)} is not a variable the providers accept: write {{{{1}}}}, {{{{2}}}}, … or a lowercase name such as {{{{customer_name}}}}, with no spaces, capitals or # $ % inside.");
        }
        foreach (var at in Placeholders.StrayBraces(text, all))
        {
            Add(findings, LintCodes.UnbalancedBraces, component, at,
                "These braces open or close no variable: a variable is written with two braces on each side, {{1}}.");
        }
        return all.Where(p => p.IsValid).ToList();
    }

    private static List<Placeholder> LintHeader(TemplateHeader? header, List<LintFinding> findings)
    {
        const string component = "header";
        if (header is null)
        {
            return [];
        }
        if (header.Format != HeaderFormat.Text)
        {
            if (string.IsNullOrWhiteSpace(header.MediaExampleUrl))
            {
                Add(findings, LintCodes.MissingExample, component, null,
                    $"A {header.Format.ToString().ToLowerInvariant()} header needs an example file for the review.");
            }
            return [];
        }
        var text = header.Text;
        if (string.IsNullOrWhiteSpace(text))
        {
            Add(findings, LintCodes.HeaderEmpty, component, null, "The text header has no text: write one, or leave the header out.");
            return [];
        }
        var length = TemplateText.Length(text);
        if (length > TemplateLimits.HeaderMaxLength)
        {
            Add(findings, LintCodes.HeaderTooLong, component, TemplateText.OffsetOf(text, TemplateLimits.HeaderMaxLength),
                $"The header is {length} characters; a header takes at most {TemplateLimits.HeaderMaxLength}.");
        }
        if (TemplateText.IndexOfNewline(text) is var newline and >= 0)
        {
            Add(findings, LintCodes.NewlineInHeader, component, newline, "The header is one line: the providers refuse a line break in it.");
        }
        var variables = LintPlaceholders(text, component, findings);
        if (variables.Count > 1)
        {
            Add(findings, LintCodes.HeaderTooManyVariables, component, variables[1].Start,
                $"The header has {variables.Count} variables; a header takes one.");
        }
        if (variables.Count > 0 && variables[0].IsPositional && variables[0].Name != "1")
        {
            Add(findings, LintCodes.PlaceholderNotSequential, component, variables[0].Start,
                $"The header's variable is numbered on its own: write {{{{1}}}}, not {Braced(variables[0].Name)}.");
        }
        if (variables.Count > 0 && string.IsNullOrWhiteSpace(header.Example))
        {
            Add(findings, LintCodes.MissingExample, component, variables[0].Start,
                $"{Braced(variables[0].Name)} needs an example value for the review.");
        }
        LintSpacing(text, component, findings);
        LintFormatting(text, variables, component, "The header takes plain text", findings);
        return variables;
    }

    private static List<Placeholder> LintBody(TemplateComponents components, List<LintFinding> findings)
    {
        const string component = "body";
        var body = components.Body;
        if (string.IsNullOrWhiteSpace(body))
        {
            Add(findings, LintCodes.BodyEmpty, component, null, "The body is empty: every template needs one.");
            return [];
        }
        var length = TemplateText.Length(body);
        if (length > TemplateLimits.BodyMaxLength)
        {
            Add(findings, LintCodes.BodyTooLong, component, TemplateText.OffsetOf(body, TemplateLimits.BodyMaxLength),
                $"The body is {length} characters; a body takes at most {TemplateLimits.BodyMaxLength:N0}.");
        }
        var all = Placeholders.Find(body);
        var variables = LintPlaceholders(body, component, findings);
        if (variables.Count > 0)
        {
            var first = variables[0];
            var last = variables[^1];
            if (TemplateText.IsBlank(body, 0, first.Start))
            {
                Add(findings, LintCodes.VariableAtStart, component, first.Start,
                    $"The body opens with {Braced(first.Name)}: the providers refuse a variable at the start, so put words before it (\"Hi {Braced(first.Name)}, …\").");
            }
            if (TemplateText.IsBlank(body, last.End, body.Length))
            {
                Add(findings, LintCodes.VariableAtEnd, component, last.Start,
                    $"The body ends with {Braced(last.Name)}: the providers refuse a variable at the end, so finish the sentence after it.");
            }
            for (var i = 1; i < variables.Count; i++)
            {
                if (TemplateText.IsBlank(body, variables[i - 1].End, variables[i].Start))
                {
                    Add(findings, LintCodes.AdjacentVariables, component, variables[i].Start,
                        $"{Braced(variables[i - 1].Name)} and {Braced(variables[i].Name)} have nothing but white space between them: the providers refuse adjacent variables, so put words between them.");
                }
            }
            LintNumbering(variables, findings);
            LintExamples(components.BodyExamples, variables, findings);
            LintRatio(body, all, variables.Count, findings);
        }
        else if (components.BodyExamples is { Count: > 0 } examples)
        {
            LintExamples(examples, variables, findings);
        }
        foreach (var run in TemplateText.LongNewlineRuns(body))
        {
            Add(findings, LintCodes.TooManyNewlines, component, run,
                $"More than {TemplateLimits.MaxConsecutiveNewlines} line breaks in a row: reviews refuse runs of empty lines; keep one empty line between paragraphs.");
        }
        LintSpacing(body, component, findings);
        LintLinks(body, component, findings);
        return variables;
    }

    /// <summary>Positional numbers: 1 to n without gaps, in the order they appear; no variable twice.</summary>
    private static void LintNumbering(List<Placeholder> variables, List<LintFinding> findings)
    {
        const string component = "body";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in variables)
        {
            if (!seen.Add(p.Name))
            {
                Add(findings, LintCodes.PlaceholderRepeated, component, p.Start,
                    $"{Braced(p.Name)} appears more than once: reviews expect each variable once, so give this one its own name and example.");
            }
        }
        var positional = variables.Where(p => p.IsPositional).ToList();
        if (positional.Count == 0 || positional.Count != variables.Count)
        {
            return; // none, or mixed with named ones (mixed_placeholder_styles says so)
        }
        var numbers = positional.Select(p => p.Number).ToHashSet();
        var missing = Enumerable.Range(1, numbers.Max()).FirstOrDefault(n => !numbers.Contains(n));
        if (missing > 0)
        {
            var after = positional.First(p => p.Number > missing);
            Add(findings, LintCodes.PlaceholderNotSequential, component, after.Start,
                $"{Braced(missing.ToString(CultureInfo.InvariantCulture))} is missing before {Braced(after.Name)}: positional variables are numbered 1, 2, 3, … without gaps.");
            return;
        }
        var order = new HashSet<int>();
        foreach (var p in positional)
        {
            if (order.Add(p.Number) && p.Number != order.Count)
            {
                Add(findings, LintCodes.PlaceholderOutOfOrder, component, p.Start,
                    $"{Braced(p.Name)} is the variable number {order.Count} to appear: number them in the order they appear in the text.");
                return;
            }
        }
    }

    private static void LintExamples(IReadOnlyDictionary<string, string>? examples, List<Placeholder> variables, List<LintFinding> findings)
    {
        const string component = "body";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in variables)
        {
            if (names.Add(p.Name) && (examples is null || string.IsNullOrWhiteSpace(examples.GetValueOrDefault(p.Name))))
            {
                Add(findings, LintCodes.MissingExample, component, p.Start,
                    $"{Braced(p.Name)} needs an example value for the review.");
            }
        }
        foreach (var key in (examples?.Keys ?? []).Where(k => !names.Contains(k)).Order(StringComparer.Ordinal))
        {
            Add(findings, LintCodes.UnusedExample, component, null, $"The example \"{key}\" belongs to no variable in the body.");
        }
    }

    /// <summary>Words + variables ≥ 3 × variables + 1 (<see cref="TemplateLimits.WordsAndVariablesPerVariable"/>).</summary>
    private static void LintRatio(string body, List<Placeholder> all, int variables, List<LintFinding> findings)
    {
        var words = Placeholders.Mask(body, all)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Count(chunk => chunk.Any(char.IsLetterOrDigit));
        var needed = TemplateLimits.WordsAndVariablesPerVariable * variables + 1;
        if (words + variables < needed)
        {
            Add(findings, LintCodes.TooManyVariables, "body", null,
                $"{variables} variable{(variables == 1 ? "" : "s")} and {words} word{(words == 1 ? "" : "s")}: the providers reject bodies with too many variables for their length; {variables} variable{(variables == 1 ? "" : "s")} need{(variables == 1 ? "s" : "")} at least {needed - variables} words around {(variables == 1 ? "it" : "them")}.");
        }
    }

    private static void LintStyles(List<Placeholder> header, List<Placeholder> body, List<LintFinding> findings)
    {
        var all = header.Select(p => (Component: "header", p)).Concat(body.Select(p => (Component: "body", p))).ToList();
        if (all.Count == 0)
        {
            return;
        }
        var positional = all[0].p.IsPositional;
        var other = all.FirstOrDefault(x => x.p.IsPositional != positional);
        if (other.Component is not null)
        {
            Add(findings, LintCodes.MixedPlaceholderStyles, other.Component, other.p.Start,
                $"{Braced(other.p.Name)} is {(positional ? "named" : "positional")} but {Braced(all[0].p.Name)} is {(positional ? "positional" : "named")}: a template's variables are all numbered or all named.");
        }
    }

    private static void LintFooter(string? footer, List<LintFinding> findings)
    {
        const string component = "footer";
        if (string.IsNullOrEmpty(footer))
        {
            return;
        }
        var length = TemplateText.Length(footer);
        if (length > TemplateLimits.FooterMaxLength)
        {
            Add(findings, LintCodes.FooterTooLong, component, TemplateText.OffsetOf(footer, TemplateLimits.FooterMaxLength),
                $"The footer is {length} characters; a footer takes at most {TemplateLimits.FooterMaxLength}.");
        }
        if (TemplateText.IndexOfNewline(footer) is var newline and >= 0)
        {
            Add(findings, LintCodes.NewlineInFooter, component, newline, "The footer is one line: the providers refuse a line break in it.");
        }
        var placeholders = Placeholders.Find(footer);
        foreach (var p in placeholders)
        {
            Add(findings, LintCodes.FooterHasVariable, component, p.Start, $"{Braced(p.Name)}: the footer takes no variables; move it to the body.");
        }
        LintSpacing(footer, component, findings);
        LintFormatting(footer, placeholders, component, "The footer takes plain text", findings);
    }

    private static void LintButtons(TemplateCategory category, IReadOnlyList<TemplateButton> buttons, List<LintFinding> findings)
    {
        if (buttons.Count > TemplateLimits.MaxButtons)
        {
            Add(findings, LintCodes.TooManyButtons, TemplateVariables.Component(TemplateLimits.MaxButtons), null,
                $"{buttons.Count} buttons; a template takes at most {TemplateLimits.MaxButtons}.");
        }
        int urls = 0, phones = 0, codes = 0, groups = 0;
        for (var i = 0; i < buttons.Count; i++)
        {
            var button = buttons[i];
            var component = TemplateVariables.Component(i);
            if (i == 0 || (button.Type == TemplateButtonType.QuickReply) != (buttons[i - 1].Type == TemplateButtonType.QuickReply))
            {
                if (++groups == 3)
                {
                    Add(findings, LintCodes.ButtonsNotGrouped, component, null,
                        "Quick replies and the other buttons are mixed: keep the quick replies together, before or after the rest.");
                }
            }
            LintButtonText(button.Text, component, findings);
            switch (button.Type)
            {
                case TemplateButtonType.Url:
                    if (++urls == TemplateLimits.MaxUrlButtons + 1)
                    {
                        Add(findings, LintCodes.TooManyUrlButtons, component, null, $"A template takes at most {TemplateLimits.MaxUrlButtons} URL buttons.");
                    }
                    LintUrl(button, component, findings);
                    break;
                case TemplateButtonType.PhoneNumber:
                    if (++phones == TemplateLimits.MaxPhoneNumberButtons + 1)
                    {
                        Add(findings, LintCodes.TooManyPhoneNumberButtons, component, null, $"A template takes at most {TemplateLimits.MaxPhoneNumberButtons} phone-number button.");
                    }
                    LintPhoneNumber(button.PhoneNumber, component, findings);
                    break;
                case TemplateButtonType.CopyCode:
                    if (++codes == TemplateLimits.MaxCopyCodeButtons + 1)
                    {
                        Add(findings, LintCodes.TooManyCopyCodeButtons, component, null, $"A template takes at most {TemplateLimits.MaxCopyCodeButtons} copy-code button.");
                    }
                    LintCopyCode(category, button.Example, component, findings);
                    break;
            }
        }
    }

    private static void LintButtonText(string? text, string component, List<LintFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            Add(findings, LintCodes.ButtonTextEmpty, component, null, "The button has no label.");
            return;
        }
        var length = TemplateText.Length(text);
        if (length > TemplateLimits.ButtonTextMaxLength)
        {
            Add(findings, LintCodes.ButtonTextTooLong, component, TemplateText.OffsetOf(text, TemplateLimits.ButtonTextMaxLength),
                $"The label is {length} characters; a button label takes at most {TemplateLimits.ButtonTextMaxLength}.");
        }
        if (TemplateText.IndexOfNewline(text) is var newline and >= 0)
        {
            Add(findings, LintCodes.NewlineInButton, component, newline, "A button label is one line: the providers refuse a line break in it.");
        }
        if (text.IndexOf('\t', StringComparison.Ordinal) is var tab and >= 0)
        {
            Add(findings, LintCodes.TabInText, component, tab, "A tab in the label: the providers refuse tabs; use a space.");
        }
        LintFormatting(text, [], component, "A button label takes plain text", findings);
    }

    private static void LintUrl(TemplateButton button, string component, List<LintFinding> findings)
    {
        var url = button.Url?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            Add(findings, LintCodes.UrlInvalid, component, null, "A URL button needs its URL (https://…).");
            return;
        }
        var placeholders = Placeholders.Find(url);
        var concrete = Placeholders.Substitute(url, _ => "x");
        if (!Uri.TryCreate(concrete, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            Add(findings, LintCodes.UrlInvalid, component, null, $"\"{url}\" is not an absolute http(s) URL.");
        }
        else if (ShortenerHosts.Contains(uri.Host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? uri.Host[4..] : uri.Host))
        {
            Add(findings, LintCodes.ShortenedUrl, component, 0,
                $"{uri.Host} hides where the link goes: reviews refuse link shorteners and wa.me links; link to your own site.");
        }
        var length = TemplateText.Length(url);
        if (length > TemplateLimits.UrlMaxLength)
        {
            Add(findings, LintCodes.UrlTooLong, component, TemplateText.OffsetOf(url, TemplateLimits.UrlMaxLength),
                $"The URL is {length} characters; a URL button takes at most {TemplateLimits.UrlMaxLength:N0}.");
        }
        foreach (var p in placeholders.Where(p => !p.IsValid))
        {
            Add(findings, LintCodes.InvalidPlaceholder, component, p.Start,
                $"{Braced(p.Name)} is not a variable the providers accept: a URL ends in {{{{1}}}}.");
        }
        if (placeholders.Count > 1)
        {
            Add(findings, LintCodes.UrlTooManyVariables, component, placeholders[1].Start,
                $"The URL has {placeholders.Count} variables; a URL takes one, at its end.");
        }
        else if (placeholders.Count == 1 && placeholders[0].End != url.Length)
        {
            Add(findings, LintCodes.UrlVariableNotAtEnd, component, placeholders[0].Start,
                $"{Braced(placeholders[0].Name)} is inside the URL: the only variable a URL takes is its last part (https://shop.example/track/{{{{1}}}}).");
        }
        if (placeholders.Any(p => p.IsValid) && string.IsNullOrWhiteSpace(button.Example))
        {
            Add(findings, LintCodes.MissingExample, component, placeholders.First(p => p.IsValid).Start,
                "The URL's variable needs an example for the review: the rest of a real link.");
        }
    }

    private static void LintPhoneNumber(string? phoneNumber, string component, List<LintFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(phoneNumber))
        {
            Add(findings, LintCodes.PhoneNumberInvalid, component, null, "A phone-number button needs its number (+46701234567).");
        }
        else if (phoneNumber.Length > TemplateLimits.PhoneNumberMaxLength)
        {
            Add(findings, LintCodes.PhoneNumberInvalid, component, null,
                $"The phone number is {phoneNumber.Length} characters; the providers take at most {TemplateLimits.PhoneNumberMaxLength}.");
        }
        else if (!PhoneNumbers.TryNormalize(phoneNumber, null, out _, out _))
        {
            Add(findings, LintCodes.PhoneNumberInvalid, component, null,
                $"\"{phoneNumber}\" is not an international phone number: write + and the country code (+46701234567).");
        }
    }

    private static void LintCopyCode(TemplateCategory category, string? example, string component, List<LintFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(example))
        {
            Add(findings, LintCodes.MissingExample, component, null, "A copy-code button needs an example code for the review.");
        }
        else if (TemplateText.Length(example) is var length && length > TemplateLimits.CopyCodeMaxLength)
        {
            Add(findings, LintCodes.ExampleTooLong, component, null,
                $"The example code is {length} characters; a copy-code button copies at most {TemplateLimits.CopyCodeMaxLength}.");
        }
        if (category != TemplateCategory.Marketing)
        {
            Add(findings, LintCodes.CopyCodeNotMarketing, component, null,
                "Copy-code buttons are for coupon codes, which Meta reviews as MARKETING: this template would be moved or rejected.");
        }
    }

    private static void LintSpacing(string text, string component, List<LintFinding> findings)
    {
        if (TemplateText.IndexOfLongSpaceRun(text) is var run and >= 0)
        {
            Add(findings, LintCodes.LongSpaceRun, component, run,
                $"More than {TemplateLimits.MaxConsecutiveSpaces} spaces in a row: the providers refuse long runs of spaces.");
        }
        if (text.IndexOf('\t', StringComparison.Ordinal) is var tab and >= 0)
        {
            Add(findings, LintCodes.TabInText, component, tab, "A tab: the providers refuse tabs; use a space.");
        }
    }

    /// <summary>Markdown characters and emoji where only plain text is shown (the placeholders' own underscores do not count).</summary>
    private static void LintFormatting(string text, IReadOnlyList<Placeholder> placeholders, string component, string what, List<LintFinding> findings)
    {
        var literal = Placeholders.Mask(text, placeholders.Count > 0 ? placeholders : Placeholders.Find(text));
        var markdown = literal.AsSpan().IndexOfAny("*_~`");
        var emoji = IndexOfEmoji(literal);
        var at = markdown < 0 ? emoji : emoji < 0 ? markdown : Math.Min(markdown, emoji);
        if (at >= 0)
        {
            Add(findings, LintCodes.FormattingNotSupported, component, at,
                $"{what}: Markdown characters (* _ ~ `) and emoji are not shown as such here, and reviews refuse them.");
        }
    }

    private static int IndexOfEmoji(string text)
    {
        var offset = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is (>= 0x1F000 and <= 0x1FAFF) or (>= 0x2600 and <= 0x27BF) or 0xFE0F)
            {
                return offset;
            }
            offset += rune.Utf16SequenceLength;
        }
        return -1;
    }

    private static void LintLinks(string text, string component, List<LintFinding> findings)
    {
        foreach (Match match in LinkHost().Matches(text))
        {
            var host = match.Groups["host"].Value;
            if (ShortenerHosts.Contains(host))
            {
                Add(findings, LintCodes.ShortenedUrl, component, match.Index,
                    $"{host} hides where the link goes: reviews refuse link shorteners and wa.me links; link to your own site.");
            }
        }
    }

    private static void LintPromotional(TemplateDefinition template, LintOptions? options, List<LintFinding> findings)
    {
        var phrases = PromotionalWords.For(template.Language, options);
        if (phrases.Count == 0)
        {
            return;
        }
        var components = template.Components;
        var texts = new List<(string Component, string? Text)>
        {
            ("header", components.Header is { Format: HeaderFormat.Text } header ? header.Text : null),
            ("body", components.Body),
            ("footer", components.Footer),
        };
        var buttons = components.Buttons ?? [];
        for (var i = 0; i < buttons.Count; i++)
        {
            texts.Add((TemplateVariables.Component(i), buttons[i].Text));
        }
        var category = template.Category.ToString().ToUpperInvariant();
        foreach (var (component, text) in texts)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }
            var literal = Placeholders.Mask(text, Placeholders.Find(text), '\0'); // {{discount}} is a name, not wording
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (start, written) in PromotionalWords.Matches(literal, phrases))
            {
                if (reported.Add(TemplateText.Fold(written)))
                {
                    Add(findings, LintCodes.PromotionalWording, component, start,
                        $"\"{written}\" reads as promotional: Meta moves a {category} template with promotional wording to MARKETING, or rejects it.");
                }
            }
        }
    }
}
