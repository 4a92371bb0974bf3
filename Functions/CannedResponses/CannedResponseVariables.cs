using System.Text;
using System.Text.RegularExpressions;

namespace Functions.CannedResponses;

/// <summary>What a canned response's text is filled with in one conversation.</summary>
public sealed record CannedResponseContext(string? ContactName, string ContactPhone, string BusinessName);

/// <summary>The text as the customer would get it, and the variables that had no value (filled with their fallback, or left empty).</summary>
public sealed record RenderedCannedResponse(string Text, IReadOnlyList<string> Missing);

/// <summary>
/// Variables in a canned response's text: <c>{{contact_name}}</c>, <c>{{contact_first_name}}</c>,
/// <c>{{contact_phone}}</c>, <c>{{business_name}}</c>, each with an optional fallback for when the
/// value is unknown: <c>{{contact_first_name|there}}</c>.
/// </summary>
public static partial class CannedResponseVariables
{
    public static readonly IReadOnlyList<string> Names = ["contact_name", "contact_first_name", "contact_phone", "business_name"];

    /// <summary>Why the text's variables are wrong (an unknown name, a brace pair that is not a variable), or null.</summary>
    public static string? Problem(string text)
    {
        foreach (Match braces in Braces().Matches(text))
        {
            var variable = Variable().Match(braces.Value);
            if (!variable.Success || !Names.Contains(variable.Groups["name"].Value, StringComparer.Ordinal))
            {
                return $"'{Shorten(braces.Value)}' is not a variable; the variables are {string.Join(", ", Names.Select(n => "{{" + n + "}}"))}, each with an optional fallback: {{{{contact_first_name|there}}}}.";
            }
        }
        return null;
    }

    public static RenderedCannedResponse Render(string text, CannedResponseContext context)
    {
        var missing = new List<string>();
        var rendered = Braces().Replace(text, braces =>
        {
            var variable = Variable().Match(braces.Value);
            if (!variable.Success) return braces.Value;
            var name = variable.Groups["name"].Value;
            var value = Value(name, context);
            if (!string.IsNullOrWhiteSpace(value)) return value;
            if (!missing.Contains(name)) missing.Add(name);
            return variable.Groups["fallback"].Success ? variable.Groups["fallback"].Value.Trim() : "";
        });
        return new(rendered, missing);
    }

    private static string? Value(string name, CannedResponseContext context) => name switch
    {
        "contact_name" => context.ContactName?.Trim(),
        "contact_first_name" => context.ContactName?.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(),
        "contact_phone" => context.ContactPhone,
        "business_name" => context.BusinessName,
        _ => null,
    };

    private static string Shorten(string value)
    {
        if (value.Length <= 40) return value;
        var sb = new StringBuilder(value, 0, 37, 40);
        return sb.Append("...").ToString();
    }

    [GeneratedRegex(@"\{\{[^{}]*\}\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"^\{\{\s*(?<name>[a-z_]+)\s*(\|(?<fallback>[^{}|]{0,100}))?\}\}$")]
    private static partial Regex Variable();
}
