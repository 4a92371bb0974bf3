namespace Functions.Templates;

/// <summary>
/// A category as a tenant gave it: today's <see cref="Category"/>, and <see cref="Label"/>, the
/// older category it was written as (<c>Shipping Update</c>), or null for one of today's three.
/// </summary>
public sealed record ParsedCategory(TemplateCategory Category, string? Label);

/// <summary>
/// Reads the category a tenant writes. Today's three (<c>MARKETING</c>, <c>UTILITY</c>,
/// <c>AUTHENTICATION</c>) and the older categories Meta retired on 2023-04-01 are accepted in any
/// case and with spaces, hyphens or underscores between words (<c>Shipping Update</c>,
/// <c>SHIPPING_UPDATE</c>, <c>shipping-update</c>). The older ones were all about a transaction
/// or an account already under way, so they map to <see cref="TemplateCategory.Utility"/>
/// (<c>OTP</c> to <see cref="TemplateCategory.Authentication"/>) and keep their name as the
/// label. Meta re-categorised each old template by its content, not by this table; a "utility"
/// text that reads as marketing is what the linter's <c>promotional_wording</c> rule catches.
/// </summary>
public static class TemplateCategories
{
    /// <summary>The older categories, by the names the providers' documents use, and where each goes today.</summary>
    public static IReadOnlyList<ParsedCategory> Legacy { get; } =
    [
        new(TemplateCategory.Utility, "Account Update"),
        new(TemplateCategory.Utility, "Alert Update"),
        new(TemplateCategory.Utility, "Appointment Update"),
        new(TemplateCategory.Utility, "Auto-Reply"),
        new(TemplateCategory.Utility, "Issue Resolution"),
        new(TemplateCategory.Utility, "Payment Update"),
        new(TemplateCategory.Utility, "Personal Finance Update"),
        new(TemplateCategory.Utility, "Reservation Update"),
        new(TemplateCategory.Utility, "Shipping Update"),
        new(TemplateCategory.Utility, "Ticket Update"),
        new(TemplateCategory.Utility, "Transportation Update"),
        // Meta's legacy enum also has these two (providers.md §8, [M30]).
        new(TemplateCategory.Utility, "Transactional"),
        new(TemplateCategory.Authentication, "OTP"),
    ];

    private static readonly Dictionary<string, ParsedCategory> ByKey = BuildKeys();

    /// <summary>The category, or null when <paramref name="text"/> is none of today's or the older ones.</summary>
    public static ParsedCategory? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            return null;
        }
        return ByKey.GetValueOrDefault(Key(text));
    }

    /// <summary>Uppercase ASCII letters only, so spaces, hyphens and underscores do not matter; any other character makes it unknown.</summary>
    private static string Key(string text)
    {
        Span<char> key = stackalloc char[text.Length];
        var length = 0;
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiLetter(c))
            {
                key[length++] = char.ToUpperInvariant(c);
            }
            else if (c is not (' ' or '-' or '_'))
            {
                return "";
            }
        }
        return new string(key[..length]);
    }

    private static Dictionary<string, ParsedCategory> BuildKeys()
    {
        var keys = new Dictionary<string, ParsedCategory>(StringComparer.Ordinal)
        {
            ["MARKETING"] = new(TemplateCategory.Marketing, null),
            ["UTILITY"] = new(TemplateCategory.Utility, null),
            ["AUTHENTICATION"] = new(TemplateCategory.Authentication, null),
        };
        foreach (var legacy in Legacy)
        {
            keys.Add(Key(legacy.Label!), legacy);
        }
        return keys;
    }
}
