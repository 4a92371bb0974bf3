namespace Functions.Templates;

/// <summary>
/// The numbers the providers hold templates and their parameters to, in one place for the
/// linter, the renderer and the API. Lengths count Unicode code points (an emoji is one), as
/// Meta does. References are the keys of <c>shared/reference/providers.md</c> (§8) unless a
/// page is named.
/// </summary>
public static class TemplateLimits
{
    /// <summary>Template names: at most 512 lowercase letters, digits and underscores [M3].</summary>
    public const int NameMaxLength = 512;

    /// <summary>A text header: at most 60 characters and one variable [M2].</summary>
    public const int HeaderMaxLength = 60;

    /// <summary>The body: at most 1,024 characters [M2]; Twilio holds the body to it after substitution too (63021) [T34].</summary>
    public const int BodyMaxLength = 1024;

    /// <summary>The footer: at most 60 characters, no variables [M2].</summary>
    public const int FooterMaxLength = 60;

    /// <summary>At most 10 buttons in all [M2][M31].</summary>
    public const int MaxButtons = 10;

    /// <summary>
    /// At most 2 URL buttons, 1 phone-number button and 1 copy-code button; Meta's components page
    /// says "restrictions on the number of individual button types" and BSPs that pass Meta's
    /// errors through give these counts (docs.gupshup.io "Template Button List"; Meta's coupon-code
    /// page: "limited to one copy code button").
    /// </summary>
    public const int MaxUrlButtons = 2;

    /// <inheritdoc cref="MaxUrlButtons"/>
    public const int MaxPhoneNumberButtons = 1;

    /// <inheritdoc cref="MaxUrlButtons"/>
    public const int MaxCopyCodeButtons = 1;

    /// <summary>A button's label: at most 25 characters [M2][M32].</summary>
    public const int ButtonTextMaxLength = 25;

    /// <summary>A URL button's URL: at most 2,000 characters, with at most one variable, at its end (Meta, template components: URL buttons).</summary>
    public const int UrlMaxLength = 2000;

    /// <summary>A phone-number button's number: at most 20 characters (Meta, template components: phone number buttons).</summary>
    public const int PhoneNumberMaxLength = 20;

    /// <summary>The code a copy-code button copies: at most 15 characters (Meta's coupon-code templates; docs.gupshup.io "Copy Coupon Code").</summary>
    public const int CopyCodeMaxLength = 15;

    /// <summary>A header's text parameter at send time: at most 60 characters (Meta, Cloud API parameter object).</summary>
    public const int HeaderParameterMaxLength = 60;

    /// <summary>
    /// A body text parameter at send time: Meta takes 1,024 characters when the template has other
    /// components (32,768 for a body alone); 1,024 is used for every template because the whole
    /// body must fit in 1,024 on Twilio anyway [T34].
    /// </summary>
    public const int BodyParameterMaxLength = 1024;

    /// <summary>
    /// Meta refuses a text parameter with a newline, a tab or "more than 4 consecutive spaces"
    /// (error 132018, "Param text cannot have new-line/tab characters or more than 4 consecutive
    /// spaces"); Twilio fails the send with 63013 for the same. The linter holds template text to
    /// the same run of spaces.
    /// </summary>
    public const int MaxConsecutiveSpaces = 4;

    /// <summary>
    /// Line breaks in a row the linter lets a body have (one blank line between paragraphs).
    /// Meta publishes no number; reviews refuse "multiple sequential line breaks" (geniq.io
    /// template guidelines, myoperator formatting rules), so more than this is a warning.
    /// </summary>
    public const int MaxConsecutiveNewlines = 2;

    /// <summary>
    /// Meta rejects a body with "too many variable parameters relative to the message length" but
    /// publishes no ratio [M33]. Syniverse's support article ("How to avoid too many parameters
    /// rejection in WhatsApp Templates") found the words and variables of an approved body number
    /// at least 3 × variables + 1; the linter warns below that (words + n &lt; 3n + 1).
    /// </summary>
    public const int WordsAndVariablesPerVariable = 3;
}
