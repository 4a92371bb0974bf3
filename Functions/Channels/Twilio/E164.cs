using System.Text.RegularExpressions;

namespace Functions.Channels.Twilio;

/// <summary>E.164 phone numbers: checking them, and masking them for logs and error texts.</summary>
internal static partial class E164
{
    /// <summary>'+', a non-zero digit, then 6 to 14 more digits (E.164 allows at most 15).</summary>
    public static bool IsValid(string? number) => number is not null && Pattern().IsMatch(number);

    /// <summary>
    /// Keeps the country-code end and the last three digits: <c>+46701234567</c> becomes
    /// <c>+4670****567</c>. Short or odd values keep only their last two characters.
    /// </summary>
    public static string Mask(string? number)
    {
        if (string.IsNullOrEmpty(number))
        {
            return "";
        }
        var prefix = number.StartsWith("whatsapp:", StringComparison.Ordinal) ? "whatsapp:" : "";
        var value = number[prefix.Length..];
        if (value.Length >= 10)
        {
            return prefix + value[..5] + new string('*', value.Length - 8) + value[^3..];
        }
        return prefix + new string('*', Math.Max(0, value.Length - 2)) + value[Math.Max(0, value.Length - 2)..];
    }

    /// <summary>Masks every phone-number-like run of digits in a provider's free text (Twilio quotes the 'To' number in some errors).</summary>
    public static string MaskAll(string text) => Embedded().Replace(text, m => Mask(m.Value));

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"(?<![0-9A-Za-z+])\+?[0-9]{7,15}(?![0-9A-Za-z])")]
    private static partial Regex Embedded();
}
