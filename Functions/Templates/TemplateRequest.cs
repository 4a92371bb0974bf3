using System.Text.RegularExpressions;
using Functions.Tenants;

namespace Functions.Templates;

/// <summary>A template as the API takes it. On a change (PUT) the name and language come from the route.</summary>
public sealed record TemplateRequest(string? Name, string? Language, string? Category, ComponentsRequest? Components);

public sealed record ComponentsRequest(
    HeaderRequest? Header,
    string? Body,
    IReadOnlyDictionary<string, string?>? BodyExamples,
    string? Footer,
    IReadOnlyList<ButtonRequest>? Buttons,
    AuthenticationRequest? Authentication = null);

/// <summary>An AUTHENTICATION template's options: the security sentence (default on), the code's expiry in minutes (1–90), the copy-code button's label (at most 25).</summary>
public sealed record AuthenticationRequest(bool? AddSecurityRecommendation, int? CodeExpirationMinutes, string? CopyCodeText);

/// <summary>A header: <c>format</c> text (with <c>text</c> and the variable's <c>example</c>) or image, video, document (with <c>mediaExampleUrl</c>).</summary>
public sealed record HeaderRequest(string? Format, string? Text, string? Example, string? MediaExampleUrl);

/// <summary>A button: <c>type</c> quickReply, url (with <c>url</c>), phoneNumber (with <c>phoneNumber</c>) or copyCode; <c>example</c> for a URL's variable or the code.</summary>
public sealed record ButtonRequest(string? Type, string? Text, string? Url, string? PhoneNumber, string? Example);

/// <summary>
/// Checks that a request is a template at all (names, known formats and types, sizes that fit
/// storage). Whether WhatsApp would approve it is the linter's job: a draft may have findings.
/// </summary>
public static partial class TemplateRequestValidation
{
    public const int MaxBody = 4096;
    public const int MaxText = 2000;
    public const int MaxButtons = 20;
    public const int MaxExamples = 100;

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>The definition, or null with each problem named in <paramref name="errors"/>.</summary>
    public static TemplateDefinition? Validate(TemplateRequest request, Dictionary<string, string[]> errors)
    {
        if (!IsValidName(request.Name)) errors["name"] = ["The name is 1 to 512 lowercase letters, digits and underscores."];
        if (request.Language is null || !TenantValidation.IsLanguageCode(request.Language)) errors["language"] = ["The language is a WhatsApp language code such as en, en_US, sv or pt_BR."];
        var category = request.Category is null ? null : TemplateCategories.Parse(request.Category);
        if (category is null) errors["category"] = [$"The category is MARKETING, UTILITY or AUTHENTICATION, or one of the older ones WhatsApp used ({string.Join(", ", TemplateCategories.Legacy.Select(l => l.Label))})."];
        var components = Components(request.Components, category?.Category, errors);
        return errors.Count == 0 ? new TemplateDefinition(request.Name!, request.Language!, category!.Category, components!, category.Label) : null;
    }

    private static TemplateComponents? Components(ComponentsRequest? c, TemplateCategory? category, Dictionary<string, string[]> errors)
    {
        // WhatsApp fixes an authentication template's body: it may be left out.
        if (category == TemplateCategory.Authentication && string.IsNullOrWhiteSpace(c?.Body))
        {
            c = (c ?? new ComponentsRequest(null, null, null, null, null)) with { Body = AuthenticationTemplate.Body };
        }
        if (c is null || string.IsNullOrWhiteSpace(c.Body))
        {
            errors["components.body"] = ["A template needs a body."];
            return null;
        }
        if (c.Body.Length > MaxBody) errors["components.body"] = [$"The body is at most {MaxBody} characters here (WhatsApp's own limit, 1,024, is checked by the linter)."];
        if (c.Footer?.Length > MaxText) errors["components.footer"] = [$"The footer is at most {MaxText} characters."];
        var examples = new Dictionary<string, string>(StringComparer.Ordinal);
        if (c.BodyExamples?.Count > MaxExamples) errors["components.bodyExamples"] = [$"At most {MaxExamples} examples."];
        foreach (var (key, value) in c.BodyExamples ?? new Dictionary<string, string?>())
        {
            if (key.Length is 0 or > 64 || value is null || value.Length > MaxText) errors[$"components.bodyExamples.{Cut(key)}"] = ["An example is a value of at most 2,000 characters for a variable of the body."];
            else examples[key] = value;
        }
        TemplateHeader? header = null;
        if (c.Header is { } h)
        {
            HeaderFormat? format = h.Format?.ToLowerInvariant() switch
            {
                "text" => HeaderFormat.Text,
                "image" => HeaderFormat.Image,
                "video" => HeaderFormat.Video,
                "document" => HeaderFormat.Document,
                _ => null,
            };
            if (format is null) errors["components.header.format"] = ["The header format is text, image, video or document."];
            else if (format == HeaderFormat.Text && string.IsNullOrWhiteSpace(h.Text)) errors["components.header.text"] = ["A text header needs its text."];
            else if (format != HeaderFormat.Text && !IsHttpUrl(h.MediaExampleUrl)) errors["components.header.mediaExampleUrl"] = ["A media header needs an example file's public http(s) URL for the review."];
            if (h.Text?.Length > MaxText || h.Example?.Length > MaxText) errors["components.header"] = [$"Header text and example are at most {MaxText} characters."];
            header = format is { } f ? new TemplateHeader(f, h.Text, h.Example, h.MediaExampleUrl) : null;
        }
        var buttons = new List<TemplateButton>();
        if (c.Buttons?.Count > MaxButtons) errors["components.buttons"] = [$"At most {MaxButtons} buttons here (WhatsApp's own limits are checked by the linter)."];
        for (var i = 0; i < (c.Buttons?.Count ?? 0); i++)
        {
            var b = c.Buttons![i];
            TemplateButtonType? type = b.Type?.ToLowerInvariant() switch
            {
                "quickreply" or "quick_reply" => TemplateButtonType.QuickReply,
                "url" => TemplateButtonType.Url,
                "phonenumber" or "phone_number" => TemplateButtonType.PhoneNumber,
                "copycode" or "copy_code" => TemplateButtonType.CopyCode,
                _ => null,
            };
            if (type is null) { errors[$"components.buttons[{i}].type"] = ["A button's type is quickReply, url, phoneNumber or copyCode."]; continue; }
            if (string.IsNullOrWhiteSpace(b.Text) && type != TemplateButtonType.CopyCode) errors[$"components.buttons[{i}].text"] = ["A button needs its text."];
            if (type == TemplateButtonType.Url && !IsHttpUrl(b.Url?.Replace("{{", "", StringComparison.Ordinal).Replace("}}", "", StringComparison.Ordinal))) errors[$"components.buttons[{i}].url"] = ["A URL button needs an http(s) URL (it may end in a variable such as {{1}})."];
            if (type == TemplateButtonType.PhoneNumber && (b.PhoneNumber is null || !Contacts.PhoneNumbers.TryNormalize(b.PhoneNumber, null, out _, out _))) errors[$"components.buttons[{i}].phoneNumber"] = ["A phone-number button needs a number in international form (+46 …)."];
            if (b.Text?.Length > MaxText || b.Example?.Length > MaxText || b.Url?.Length > MaxText) errors[$"components.buttons[{i}]"] = [$"Button values are at most {MaxText} characters."];
            buttons.Add(new TemplateButton(type.Value, b.Text ?? "", b.Url, b.PhoneNumber, b.Example));
        }
        var authentication = Authentication(c.Authentication, category, errors);
        return new TemplateComponents(c.Body, examples, header, string.IsNullOrEmpty(c.Footer) ? null : c.Footer, buttons.Count == 0 ? null : buttons, authentication);
    }

    private static AuthenticationOptions? Authentication(AuthenticationRequest? a, TemplateCategory? category, Dictionary<string, string[]> errors)
    {
        if (a is null)
        {
            return null;
        }
        if (category is { } c && c != TemplateCategory.Authentication)
        {
            errors["components.authentication"] = ["Only an AUTHENTICATION template takes authentication options."];
        }
        if (!AuthenticationTemplate.IsValidExpiration(a.CodeExpirationMinutes))
        {
            errors["components.authentication.codeExpirationMinutes"] =
                [$"The code expires in {AuthenticationTemplate.MinCodeExpirationMinutes} to {AuthenticationTemplate.MaxCodeExpirationMinutes} minutes (or leave it out)."];
        }
        if (a.CopyCodeText is { } text && (string.IsNullOrWhiteSpace(text) || TemplateText.Length(text) > TemplateLimits.ButtonTextMaxLength))
        {
            errors["components.authentication.copyCodeText"] = [$"The copy-code button's label is 1 to {TemplateLimits.ButtonTextMaxLength} characters (or leave it out for \"{AuthenticationTemplate.DefaultCopyCodeText}\")."];
        }
        return new AuthenticationOptions(a.AddSecurityRecommendation ?? true, a.CodeExpirationMinutes, a.CopyCodeText);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private static string Cut(string key) => key.Length > 40 ? key[..40] : key;

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex NamePattern();
}
