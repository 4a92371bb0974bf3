namespace Functions.Contacts;

/// <summary>
/// Phone numbers in E.164 (a '+' and 7 to 15 digits, no leading zero), the form WhatsApp and
/// both providers use. Accepts what people and systems actually send: spaces, dashes, dots,
/// brackets, a "whatsapp:" prefix, a "00" (or, in North America, "011") international prefix,
/// and national numbers when the tenant has a default country calling code (the trunk "0" is
/// dropped, except where it is part of the number: Italy, San Marino, Vatican City).
/// No carrier-grade numbering plan is applied: a number of plausible shape is accepted, and the
/// provider's answer (invalid recipient) is the final word.
/// </summary>
public static class PhoneNumbers
{
    public const int MinDigits = 7;
    public const int MaxDigits = 15;

    private static readonly HashSet<string> KeepTrunkZero = ["39", "378", "379"];

    /// <summary>The E.164 form, or a <see cref="FormatException"/> saying why there is none.</summary>
    public static string Normalize(string? input, string? defaultCountryCode = null) =>
        TryNormalize(input, defaultCountryCode, out var e164, out var error) ? e164 : throw new FormatException(error);

    public static bool TryNormalize(string? input, string? defaultCountryCode, out string e164, out string error)
    {
        e164 = "";
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "The phone number is empty.";
            return false;
        }
        var text = input.Trim();
        if (text.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase))
        {
            text = text["whatsapp:".Length..].Trim();
        }
        if (text.Length > 40)
        {
            error = "The phone number is too long to be one.";
            return false;
        }

        var international = text.StartsWith('+');
        if (international)
        {
            // "+44 (0)20 …": the bracketed trunk zero is for national dialling only.
            text = text.Replace("(0)", "", StringComparison.Ordinal);
        }
        Span<char> digits = stackalloc char[text.Length];
        var count = 0;
        for (var i = international ? 1 : 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/' or '\u00A0'))
            {
                error = char.IsLetter(c)
                    ? "The phone number contains letters."
                    : $"The phone number contains '{c}', which is not part of a phone number.";
                return false;
            }
        }
        var number = new string(digits[..count]);

        if (!international)
        {
            if (number.StartsWith("00", StringComparison.Ordinal))
            {
                number = number[2..];
            }
            else if (defaultCountryCode == "1" && number.StartsWith("011", StringComparison.Ordinal))
            {
                number = number[3..];
            }
            else if (string.IsNullOrEmpty(defaultCountryCode))
            {
                error = "The phone number has no country code (start it with + and the country code), and the tenant has no default country code.";
                return false;
            }
            else if (!IsCountryCode(defaultCountryCode))
            {
                error = $"The default country code '{defaultCountryCode}' is not 1 to 3 digits.";
                return false;
            }
            else if (defaultCountryCode == "1" && number.Length == 11 && number.StartsWith('1'))
            {
                // North America: "1 212 555 0100" already carries the country code.
            }
            else if (number.StartsWith(defaultCountryCode, StringComparison.Ordinal) && number.Length >= defaultCountryCode.Length + MinDigits)
            {
                // "46701234567" with default 46: an international number without its '+' (as WhatsApp
                // ids and exports write them) or a national one that happens to start so? Guessing
                // would make a wrong contact either way.
                error = $"The phone number starts with the country code {defaultCountryCode} but has no '+': write it as +{number} if that is meant, or with its leading 0 if it is national.";
                return false;
            }
            else
            {
                var national = number.StartsWith('0') && !KeepTrunkZero.Contains(defaultCountryCode) ? number[1..] : number;
                number = defaultCountryCode + national;
            }
        }

        if (number.Length == 0 || number[0] == '0')
        {
            error = "The phone number's country code cannot start with 0.";
            return false;
        }
        if (number.Length < MinDigits)
        {
            error = $"The phone number has {number.Length} digits; a full international number has at least {MinDigits}.";
            return false;
        }
        if (number.Length > MaxDigits)
        {
            error = $"The phone number has {number.Length} digits; E.164 allows at most {MaxDigits}.";
            return false;
        }
        e164 = "+" + number;
        error = "";
        return true;
    }

    private static bool IsCountryCode(string code) => code.Length is >= 1 and <= 3 && code.All(char.IsAsciiDigit) && code[0] != '0';
}
