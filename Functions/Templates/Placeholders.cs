using System.Globalization;
using System.Text.RegularExpressions;

namespace Functions.Templates;

/// <summary>
/// One <c>{{…}}</c> in a template text. <see cref="Name"/> is what stands between the braces.
/// It is valid when positional (<c>1</c>–<c>999</c>, no leading zero) or named (a lowercase
/// letter, then lowercase letters, digits and underscores, at most 64): the bounds our Meta
/// sender accepts (<c>Channels/Meta/MetaMessagePayload.cs</c>). Anything else (<c>{{ 1 }}</c>,
/// <c>{{#1}}</c>, <c>{{Name}}</c>) is a placeholder the providers refuse.
/// </summary>
internal readonly record struct Placeholder(int Start, int Length, string Name)
{
    public int End => Start + Length;

    public bool IsPositional => Placeholders.IsPositionalName(Name);

    public bool IsNamed => Placeholders.IsNamedName(Name);

    public bool IsValid => IsPositional || IsNamed;

    public int Number => IsPositional ? int.Parse(Name, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
}

internal static partial class Placeholders
{
    [GeneratedRegex(@"\{\{([^{}]*)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Every <c>{{…}}</c> in <paramref name="text"/>, in order.</summary>
    public static List<Placeholder> Find(string? text)
    {
        var found = new List<Placeholder>();
        if (string.IsNullOrEmpty(text) || !text.Contains("{{", StringComparison.Ordinal))
        {
            return found;
        }
        foreach (Match match in Pattern().Matches(text))
        {
            found.Add(new Placeholder(match.Index, match.Length, match.Groups[1].Value));
        }
        return found;
    }

    /// <summary>
    /// Where braces are left over once the placeholders are taken out: a <c>{{</c> or <c>}}</c>
    /// that closes nothing, or a third brace around a placeholder (<c>{{{1}}}</c>).
    /// </summary>
    public static List<int> StrayBraces(string text, IReadOnlyList<Placeholder> placeholders)
    {
        var stray = new List<int>();
        var masked = Mask(text, placeholders, '\0');
        for (var i = 0; i + 1 < masked.Length; i++)
        {
            if ((masked[i] == '{' && masked[i + 1] == '{') || (masked[i] == '}' && masked[i + 1] == '}'))
            {
                stray.Add(i);
                i++;
            }
        }
        foreach (var p in placeholders)
        {
            if (p.Start > 0 && text[p.Start - 1] == '{')
            {
                stray.Add(p.Start - 1);
            }
            if (p.End < text.Length && text[p.End] == '}')
            {
                stray.Add(p.End);
            }
        }
        stray.Sort();
        return stray;
    }

    /// <summary><paramref name="text"/> with each placeholder overwritten by <paramref name="fill"/>, so offsets stay the same.</summary>
    public static string Mask(string text, IReadOnlyList<Placeholder> placeholders, char fill = ' ')
    {
        if (placeholders.Count == 0)
        {
            return text;
        }
        return string.Create(text.Length, (text, placeholders, fill), static (span, state) =>
        {
            state.text.AsSpan().CopyTo(span);
            foreach (var p in state.placeholders)
            {
                span.Slice(p.Start, p.Length).Fill(state.fill);
            }
        });
    }

    /// <summary><paramref name="text"/> with each valid placeholder that <paramref name="value"/> knows replaced; the rest stay as written.</summary>
    public static string Substitute(string text, Func<Placeholder, string?> value)
    {
        var placeholders = Find(text);
        if (placeholders.Count == 0)
        {
            return text;
        }
        var result = new System.Text.StringBuilder(text.Length + 32);
        var at = 0;
        foreach (var p in placeholders)
        {
            var replacement = p.IsValid ? value(p) : null;
            if (replacement is null)
            {
                continue;
            }
            result.Append(text, at, p.Start - at).Append(replacement);
            at = p.End;
        }
        return result.Append(text, at, text.Length - at).ToString();
    }

    public static bool IsPositionalName(string name) =>
        name.Length is > 0 and <= 3 && name[0] is >= '1' and <= '9' && !name.AsSpan().ContainsAnyExceptInRange('0', '9');

    public static bool IsNamedName(string name) =>
        name.Length is > 0 and <= 64 && name[0] is >= 'a' and <= 'z'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
}
