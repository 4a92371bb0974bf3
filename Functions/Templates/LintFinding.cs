namespace Functions.Templates;

public enum LintSeverity
{
    /// <summary>The provider will refuse the template (or a send of it).</summary>
    Error,
    /// <summary>A likely rejection by the review, or a re-categorisation.</summary>
    Warning,
    /// <summary>Worth knowing; no effect on the review.</summary>
    Info,
}

/// <summary>
/// One thing the linter found. <see cref="Code"/> is one of <see cref="LintCodes"/> (stable,
/// snake_case); <see cref="Component"/> is <c>name</c>, <c>header</c>, <c>body</c>,
/// <c>footer</c> or <c>buttons[i]</c> (i from 0); <see cref="Position"/> is the character offset
/// in that component's text where the problem is, when there is one place to point at (for a
/// button, in its URL for the <c>url_*</c> rules and its URL variable, in its label otherwise).
/// </summary>
public sealed record LintFinding(string Code, LintSeverity Severity, string Component, int? Position, string Message);

/// <summary>A tenant's own settings for the linter.</summary>
public sealed record LintOptions
{
    /// <summary>
    /// Words and phrases the tenant counts as promotional, on top of
    /// <see cref="PromotionalWords.Default"/>, by language (<c>sv</c>, <c>en</c>; a region such as
    /// <c>en_US</c> is read as <c>en</c>) or <see cref="PromotionalWords.AnyLanguage"/> (<c>*</c>)
    /// for every language. Matched like the defaults: whole words, case and accents ignored.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? ExtraPromotionalWords { get; init; }
}

/// <summary>The linter's rule codes, each with its one severity; see <see cref="TemplateLinter"/> for what each means.</summary>
public static class LintCodes
{
    public const string NameFormat = "name_format";
    public const string InvalidPlaceholder = "invalid_placeholder";
    public const string UnbalancedBraces = "unbalanced_braces";
    public const string MixedPlaceholderStyles = "mixed_placeholder_styles";
    public const string MissingExample = "missing_example";
    public const string UnusedExample = "unused_example";
    public const string ExampleTooLong = "example_too_long";
    public const string HeaderEmpty = "header_empty";
    public const string HeaderTooLong = "header_too_long";
    public const string HeaderTooManyVariables = "header_too_many_variables";
    public const string NewlineInHeader = "newline_in_header";
    public const string BodyEmpty = "body_empty";
    public const string BodyTooLong = "body_too_long";
    public const string VariableAtStart = "variable_at_start";
    public const string VariableAtEnd = "variable_at_end";
    public const string AdjacentVariables = "adjacent_variables";
    public const string PlaceholderNotSequential = "placeholder_not_sequential";
    public const string PlaceholderOutOfOrder = "placeholder_out_of_order";
    public const string PlaceholderRepeated = "placeholder_repeated";
    public const string TooManyVariables = "too_many_variables";
    public const string TooManyNewlines = "too_many_newlines";
    public const string FooterTooLong = "footer_too_long";
    public const string FooterHasVariable = "footer_has_variable";
    public const string NewlineInFooter = "newline_in_footer";
    public const string LongSpaceRun = "long_space_run";
    public const string TabInText = "tab_in_text";
    public const string FormattingNotSupported = "formatting_not_supported";
    public const string ShortenedUrl = "shortened_url";
    public const string TooManyButtons = "too_many_buttons";
    public const string TooManyUrlButtons = "too_many_url_buttons";
    public const string TooManyPhoneNumberButtons = "too_many_phone_number_buttons";
    public const string TooManyCopyCodeButtons = "too_many_copy_code_buttons";
    public const string ButtonsNotGrouped = "buttons_not_grouped";
    public const string ButtonTextEmpty = "button_text_empty";
    public const string ButtonTextTooLong = "button_text_too_long";
    public const string NewlineInButton = "newline_in_button";
    public const string UrlInvalid = "url_invalid";
    public const string UrlTooLong = "url_too_long";
    public const string UrlTooManyVariables = "url_too_many_variables";
    public const string UrlVariableNotAtEnd = "url_variable_not_at_end";
    public const string PhoneNumberInvalid = "phone_number_invalid";
    public const string CopyCodeNotMarketing = "copy_code_not_marketing";
    public const string PromotionalWording = "promotional_wording";
    public const string AuthenticationBodyNotFixed = "authentication_body_not_fixed";
    public const string AuthenticationOptionsMissing = "authentication_options_missing";
    public const string AuthenticationOptionsInvalid = "authentication_options_invalid";
    public const string AuthenticationComponentNotAllowed = "authentication_component_not_allowed";

    /// <summary>Every code and its severity.</summary>
    public static IReadOnlyDictionary<string, LintSeverity> All { get; } = new Dictionary<string, LintSeverity>(StringComparer.Ordinal)
    {
        [NameFormat] = LintSeverity.Error,
        [InvalidPlaceholder] = LintSeverity.Error,
        [UnbalancedBraces] = LintSeverity.Error,
        [MixedPlaceholderStyles] = LintSeverity.Error,
        [MissingExample] = LintSeverity.Error,
        [UnusedExample] = LintSeverity.Info,
        [ExampleTooLong] = LintSeverity.Error,
        [HeaderEmpty] = LintSeverity.Error,
        [HeaderTooLong] = LintSeverity.Error,
        [HeaderTooManyVariables] = LintSeverity.Error,
        [NewlineInHeader] = LintSeverity.Error,
        [BodyEmpty] = LintSeverity.Error,
        [BodyTooLong] = LintSeverity.Error,
        [VariableAtStart] = LintSeverity.Error,
        [VariableAtEnd] = LintSeverity.Error,
        [AdjacentVariables] = LintSeverity.Error,
        [PlaceholderNotSequential] = LintSeverity.Error,
        [PlaceholderOutOfOrder] = LintSeverity.Warning,
        [PlaceholderRepeated] = LintSeverity.Warning,
        [TooManyVariables] = LintSeverity.Warning,
        [TooManyNewlines] = LintSeverity.Warning,
        [FooterTooLong] = LintSeverity.Error,
        [FooterHasVariable] = LintSeverity.Error,
        [NewlineInFooter] = LintSeverity.Error,
        [LongSpaceRun] = LintSeverity.Warning,
        [TabInText] = LintSeverity.Warning,
        [FormattingNotSupported] = LintSeverity.Warning,
        [ShortenedUrl] = LintSeverity.Warning,
        [TooManyButtons] = LintSeverity.Error,
        [TooManyUrlButtons] = LintSeverity.Error,
        [TooManyPhoneNumberButtons] = LintSeverity.Error,
        [TooManyCopyCodeButtons] = LintSeverity.Error,
        [ButtonsNotGrouped] = LintSeverity.Error,
        [ButtonTextEmpty] = LintSeverity.Error,
        [ButtonTextTooLong] = LintSeverity.Error,
        [NewlineInButton] = LintSeverity.Error,
        [UrlInvalid] = LintSeverity.Error,
        [UrlTooLong] = LintSeverity.Error,
        [UrlTooManyVariables] = LintSeverity.Error,
        [UrlVariableNotAtEnd] = LintSeverity.Error,
        [PhoneNumberInvalid] = LintSeverity.Error,
        [CopyCodeNotMarketing] = LintSeverity.Warning,
        [PromotionalWording] = LintSeverity.Warning,
        [AuthenticationBodyNotFixed] = LintSeverity.Error,
        [AuthenticationOptionsMissing] = LintSeverity.Error,
        [AuthenticationOptionsInvalid] = LintSeverity.Error,
        [AuthenticationComponentNotAllowed] = LintSeverity.Error,
    };
}
