using System.Text.RegularExpressions;
using Functions.Templates;

namespace Functions.Tests.Templates;

/// <summary>Short ways to write a template in a test.</summary>
internal static class TestTemplates
{
    /// <summary>A utility body that lints clean: words around both variables, examples for both.</summary>
    public const string CleanBody = "Hi {{1}}, your order {{2}} has shipped and will arrive on Friday.";

    /// <summary>
    /// A template; without <paramref name="examples"/>, every well-formed body variable gets an
    /// example ("example 1", "example customer_name") so a case only shows the rule it is about.
    /// </summary>
    public static TemplateDefinition Definition(
        string body = CleanBody,
        string name = "order_shipped",
        TemplateCategory category = TemplateCategory.Utility,
        string language = "en",
        TemplateHeader? header = null,
        string? footer = null,
        IReadOnlyList<TemplateButton>? buttons = null,
        IReadOnlyDictionary<string, string>? examples = null) =>
        new(name, language, category, Components(body, header, footer, buttons, examples));

    public static TemplateComponents Components(
        string body = CleanBody,
        TemplateHeader? header = null,
        string? footer = null,
        IReadOnlyList<TemplateButton>? buttons = null,
        IReadOnlyDictionary<string, string>? examples = null) =>
        new(body, examples ?? ExamplesFor(body), header, footer, buttons);

    /// <summary>An example for each well-formed variable of <paramref name="body"/> (malformed ones get none: the linter does not count them).</summary>
    public static Dictionary<string, string> ExamplesFor(string body) =>
        Regex.Matches(body, @"\{\{([^{}]*)\}\}").Select(m => m.Groups[1].Value)
            .Where(key => Regex.IsMatch(key, "^([1-9][0-9]*|[a-z][a-z0-9_]*)$"))
            .Distinct()
            .ToDictionary(key => key, key => "example " + key, StringComparer.Ordinal);

    public static TemplateButton QuickReply(string text = "Thanks") => new(TemplateButtonType.QuickReply, text);

    public static TemplateButton Link(string url = "https://shop.example/track", string text = "Track order", string? example = null) =>
        new(TemplateButtonType.Url, text, Url: url, Example: example);

    public static TemplateButton Call(string? number = "+46701234567", string text = "Call us") =>
        new(TemplateButtonType.PhoneNumber, text, PhoneNumber: number);

    public static TemplateButton CopyCode(string? example = "SPRING25", string text = "Copy code") =>
        new(TemplateButtonType.CopyCode, text, Example: example);

    public static TemplateHeader TextHeader(string text, string? example = null) => new(HeaderFormat.Text, text, example);

    public static Dictionary<string, string> Params(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
