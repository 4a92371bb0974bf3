using System.Text;

namespace Functions.Templates;

/// <summary>
/// A value a template needs at send time.
/// <list type="bullet">
/// <item><see cref="Key"/>: the parameter's key at send time (see <see cref="TemplateVariables"/>).</item>
/// <item><see cref="Component"/>: <c>header</c>, <c>body</c> or <c>buttons[i]</c>, as in lint findings.</item>
/// <item><see cref="Placeholder"/>: what stands in the braces (<c>1</c>, <c>customer_name</c>), or null for a copy-code button, which has none.</item>
/// <item><see cref="Position"/>: the character offset of its first <c>{{…}}</c> in the component's text (a URL button's URL).</item>
/// <item><see cref="MaxLength"/>: the longest value the providers take, in characters.</item>
/// <item><see cref="Example"/>: the example given for the review, if any.</item>
/// </list>
/// </summary>
public sealed record TemplateVariable(string Key, string Component, string? Placeholder, int? Position, int MaxLength, string? Example);

/// <summary>
/// The variables of a template and the keys their values go by at send time:
/// <list type="table">
/// <listheader><term>Key</term><description>Value of</description></listheader>
/// <item><term><c>1</c>, <c>2</c>, … or <c>customer_name</c></term><description>the body's <c>{{1}}</c> or <c>{{customer_name}}</c>, by the same name (as in <see cref="TemplateComponents.BodyExamples"/>)</description></item>
/// <item><term><c>header.1</c> or <c>header.&lt;name&gt;</c></term><description>the text header's one variable</description></item>
/// <item><term><c>button.&lt;index&gt;</c></term><description>button <c>index</c> (from 0, in the template's order, as Meta's <c>index</c>): the suffix that replaces a URL button's variable, or the code a copy-code button copies</description></item>
/// </list>
/// Body names are lowercase letters, digits and underscores, so they never clash with the dotted
/// keys. A media header's file is not a text parameter and is not listed. Only well-formed
/// placeholders count (see the linter's <c>invalid_placeholder</c>); a body variable written
/// twice is one variable.
/// </summary>
public static class TemplateVariables
{
    public const string HeaderPrefix = "header.";
    public const string ButtonPrefix = "button.";

    public static string HeaderKey(string placeholder) => HeaderPrefix + placeholder;

    public static string ButtonKey(int index) => ButtonPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every variable: the header's, the body's in order of first appearance, then the buttons'.</summary>
    public static IReadOnlyList<TemplateVariable> Of(TemplateComponents components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var variables = new List<TemplateVariable>();
        if (components.Header is { Format: HeaderFormat.Text, Text: { } headerText } header)
        {
            foreach (var p in Placeholders.Find(headerText).Where(p => p.IsValid).DistinctBy(p => p.Name))
            {
                variables.Add(new TemplateVariable(HeaderKey(p.Name), "header", p.Name, p.Start, TemplateLimits.HeaderParameterMaxLength, header.Example));
            }
        }
        // An authentication template's {{1}} is the code, which its copy-code button copies too.
        var bodyMax = components.Authentication is null ? TemplateLimits.BodyParameterMaxLength : TemplateLimits.CopyCodeMaxLength;
        foreach (var p in Placeholders.Find(components.Body).Where(p => p.IsValid).DistinctBy(p => p.Name))
        {
            variables.Add(new TemplateVariable(p.Name, "body", p.Name, p.Start, bodyMax,
                components.BodyExamples?.GetValueOrDefault(p.Name)));
        }
        var buttons = components.Buttons ?? [];
        for (var i = 0; i < buttons.Count; i++)
        {
            var button = buttons[i];
            if (button.Type == TemplateButtonType.Url && button.Url is { } url
                && Placeholders.Find(url).FirstOrDefault(x => x.IsValid) is { Length: > 0 } p)
            {
                var staticLength = TemplateText.Length(url) - TemplateText.Length(url.Substring(p.Start, p.Length));
                variables.Add(new TemplateVariable(ButtonKey(i), Component(i), p.Name, p.Start,
                    Math.Max(0, TemplateLimits.UrlMaxLength - staticLength), button.Example));
            }
            else if (button.Type == TemplateButtonType.CopyCode)
            {
                variables.Add(new TemplateVariable(ButtonKey(i), Component(i), null, null, TemplateLimits.CopyCodeMaxLength, button.Example));
            }
        }
        return variables;
    }

    internal static string Component(int buttonIndex) => $"buttons[{buttonIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
}

/// <summary>Measuring template text as the providers do: in code points, so an emoji is one character.</summary>
internal static class TemplateText
{
    public static int Length(string text)
    {
        var length = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            length++;
        }
        return length;
    }

    /// <summary>The char offset where code point number <paramref name="codePoint"/> (from 0) starts, or the text's length.</summary>
    public static int OffsetOf(string text, int codePoint)
    {
        var offset = 0;
        var seen = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (seen++ == codePoint)
            {
                return offset;
            }
            offset += rune.Utf16SequenceLength;
        }
        return offset;
    }

    /// <summary>Where the first line break (<c>\n</c> or <c>\r</c>) is, or -1.</summary>
    public static int IndexOfNewline(string text) => text.AsSpan().IndexOfAny('\n', '\r');

    /// <summary>Where the first run of more than <see cref="TemplateLimits.MaxConsecutiveSpaces"/> spaces starts, or -1.</summary>
    public static int IndexOfLongSpaceRun(string text) =>
        text.IndexOf(new string(' ', TemplateLimits.MaxConsecutiveSpaces + 1), StringComparison.Ordinal);

    /// <summary>Starts of each run of more than <see cref="TemplateLimits.MaxConsecutiveNewlines"/> line breaks (<c>\r\n</c> counts once; spaces between them do not break the run).</summary>
    public static List<int> LongNewlineRuns(string text)
    {
        var runs = new List<int>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] is not ('\n' or '\r'))
            {
                i++;
                continue;
            }
            var start = i;
            var breaks = 0;
            var end = i;
            while (i < text.Length && text[i] is '\n' or '\r' or ' ' or '\t')
            {
                if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
                {
                    breaks++;
                    end = i + 1;
                }
                i++;
            }
            if (breaks > TemplateLimits.MaxConsecutiveNewlines)
            {
                runs.Add(start);
            }
            i = Math.Max(end, start + 1);
        }
        return runs;
    }

    /// <summary>True when <paramref name="text"/> between the offsets has nothing but white space.</summary>
    public static bool IsBlank(string text, int from, int to) => text.AsSpan(from, to - from).IsWhiteSpace();

    /// <summary>Lower case, accents dropped (é → e, å → a, ß stays), apostrophes dropped: how words are compared.</summary>
    public static string Fold(ReadOnlySpan<char> word)
    {
        var decomposed = word.ToString().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is System.Globalization.UnicodeCategory.NonSpacingMark || IsApostrophe(c))
            {
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>The words of <paramref name="text"/>: runs of letters and digits (apostrophes inside a word belong to it), each with where it starts and ends and its folded form.</summary>
    public static List<(int Start, int End, string Folded)> Words(string text)
    {
        var words = new List<(int, int, string)>();
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWordChar(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && (IsWordChar(text[i])
                || (IsApostrophe(text[i]) && i + 1 < text.Length && char.IsLetter(text[i + 1]) && i > start)))
            {
                i++;
            }
            words.Add((start, i, Fold(text.AsSpan(start, i - start))));
        }
        return words;
    }

    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    private static bool IsApostrophe(char c) => c is '\'' or '\u2019';
}
