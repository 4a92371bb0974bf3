using Functions.Templates;
using static Functions.Templates.LintCodes;
using static Functions.Tests.Templates.TestTemplates;

namespace Functions.Tests.Templates;

public sealed class TemplateLinterTests
{
    private const TemplateCategory Marketing = TemplateCategory.Marketing;

    /// <summary>
    /// Each rule, bad and good: a case is a template and the codes it must give, no more, no
    /// fewer. Good cases sit just on the right side of the rule (the limit itself, the near
    /// miss), so a rule that fires too eagerly fails here too.
    /// </summary>
    private static readonly Dictionary<string, (TemplateDefinition Template, string[] Codes)> Cases = new()
    {
        ["clean utility template"] = (Definition(), []),
        ["clean marketing template with everything"] = (Definition(
            body: "Hi {{1}}, our spring sale starts {{2}} with 25% off everything in store.",
            category: Marketing,
            header: TextHeader("Spring sale for {{1}}", "members"),
            footer: "Reply STOP to opt out",
            buttons: [Link("https://shop.example/sale/{{1}}", "See the sale", "spring"), Call(), CopyCode(), QuickReply("Not now")]), []),

        // name_format
        ["name: lowercase, digits, underscores"] = (Definition(name: "order_shipped_2"), []),
        ["name: 512 characters"] = (Definition(name: new string('a', 512)), []),
        ["name: spaces and capitals"] = (Definition(name: "Order Shipped"), [NameFormat]),
        ["name: hyphen"] = (Definition(name: "order-shipped"), [NameFormat]),
        ["name: accented letter"] = (Definition(name: "réservation"), [NameFormat]),
        ["name: empty"] = (Definition(name: ""), [NameFormat]),
        ["name: 513 characters"] = (Definition(name: new string('a', 513)), [NameFormat]),

        // invalid_placeholder, unbalanced_braces
        ["placeholder: named"] = (Definition(body: "Hi {{customer_name}}, your order {{order_id}} has shipped today."), []),
        ["placeholder: spaces inside"] = (Definition(body: "Hi {{ 1 }}, your order has shipped and will arrive on Friday."), [InvalidPlaceholder]),
        ["placeholder: # inside"] = (Definition(body: "Hi there, your order {{#1}} has shipped and will arrive on Friday."), [InvalidPlaceholder]),
        ["placeholder: capital letters"] = (Definition(body: "Hi {{Name}}, your order has shipped and will arrive on Friday."), [InvalidPlaceholder]),
        ["placeholder: leading zero"] = (Definition(body: "Hi {{01}}, your order has shipped and will arrive on Friday."), [InvalidPlaceholder]),
        ["braces: single braces are text"] = (Definition(body: "Hi {{1}}, your order {A} has shipped and will arrive on Friday."), []),
        ["braces: one closing brace missing"] = (Definition(body: "Hi {{1}, your order has shipped and will arrive on Friday."), [UnbalancedBraces]),
        ["braces: three on each side"] = (Definition(body: "Hi {{{1}}}, your order has shipped and will arrive on Friday."), [UnbalancedBraces, UnbalancedBraces]),

        // mixed_placeholder_styles
        ["styles: named in header and body"] = (Definition(
            body: "Hi {{customer_name}}, your order has shipped and will arrive on Friday.",
            header: TextHeader("Order {{order_id}}", "A-1001")), []),
        ["styles: named and positional in the body"] = (Definition(body: "Hi {{customer_name}}, your order {{2}} has shipped and will arrive on Friday."), [MixedPlaceholderStyles]),
        ["styles: positional header, named body"] = (Definition(
            body: "Hi {{customer_name}}, your order has shipped and will arrive on Friday.",
            header: TextHeader("Order {{1}}", "A-1001")), [MixedPlaceholderStyles]),

        // missing_example, unused_example, example_too_long
        ["examples: body example missing"] = (Definition(examples: new Dictionary<string, string> { ["1"] = "Ada" }), [MissingExample]),
        ["examples: body example blank"] = (Definition(examples: new Dictionary<string, string> { ["1"] = "Ada", ["2"] = " " }), [MissingExample]),
        ["examples: header variable without example"] = (Definition(header: TextHeader("Order {{1}}")), [MissingExample]),
        ["examples: header variable with example"] = (Definition(header: TextHeader("Order {{1}}", "A-1001")), []),
        ["examples: image header without file"] = (Definition(header: new TemplateHeader(HeaderFormat.Image)), [MissingExample]),
        ["examples: image header with file"] = (Definition(header: new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://shop.example/box.jpg")), []),
        ["examples: URL variable without example"] = (Definition(buttons: [Link("https://shop.example/track/{{1}}")]), [MissingExample]),
        ["examples: copy code without example"] = (Definition(category: Marketing, buttons: [CopyCode(example: null)]), [MissingExample]),
        ["examples: one more than the body has"] = (Definition(examples: new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "A-1", ["3"] = "x" }), [UnusedExample]),
        ["examples: copy code of 15"] = (Definition(category: Marketing, buttons: [CopyCode("ABCDEFGHIJKLMNO")]), []),
        ["examples: copy code of 16"] = (Definition(category: Marketing, buttons: [CopyCode("ABCDEFGHIJKLMNOP")]), [ExampleTooLong]),

        // header
        ["header: 60 characters"] = (Definition(header: TextHeader(new string('h', 60))), []),
        ["header: 61 characters"] = (Definition(header: TextHeader(new string('h', 61))), [HeaderTooLong]),
        ["header: empty text"] = (Definition(header: TextHeader("")), [HeaderEmpty]),
        ["header: two variables"] = (Definition(header: TextHeader("Order {{1}} for {{2}}", "A-1001")), [HeaderTooManyVariables]),
        ["header: variable numbered 2"] = (Definition(header: TextHeader("Order {{2}}", "A-1001")), [PlaceholderNotSequential]),
        ["header: line break"] = (Definition(header: TextHeader("Your order\nhas shipped")), [NewlineInHeader]),

        // body
        ["body: empty"] = (Definition(body: ""), [BodyEmpty]),
        ["body: white space"] = (Definition(body: " \n "), [BodyEmpty]),
        ["body: 1,024 characters"] = (Definition(body: new string('a', 1024)), []),
        ["body: 1,024 characters with an emoji"] = (Definition(body: new string('a', 1022) + "😀b"), []),
        ["body: 1,025 characters"] = (Definition(body: new string('a', 1025)), [BodyTooLong]),

        // variable_at_start, variable_at_end, adjacent_variables
        ["start: opens with a variable"] = (Definition(body: "{{1}}, your order {{2}} has shipped and will arrive on Friday."), [VariableAtStart]),
        ["start: white space, then a variable"] = (Definition(body: " \n{{1}}, your order {{2}} has shipped and will arrive on Friday."), [VariableAtStart]),
        ["end: ends with a variable"] = (Definition(body: "Hi {{1}}, your order has shipped and will arrive on {{2}}"), [VariableAtEnd]),
        ["end: a variable, then white space"] = (Definition(body: "Hi {{1}}, your order has shipped and will arrive on {{2}}\n"), [VariableAtEnd]),
        ["end: a full stop after the variable"] = (Definition(body: "Hi {{1}}, your order has shipped and will arrive on {{2}}."), []),
        ["adjacent: a space between"] = (Definition(body: "Hi {{1}} {{2}}, your order has shipped and will arrive on Friday."), [AdjacentVariables]),
        ["adjacent: a line break between"] = (Definition(body: "Hi {{1}}\n{{2}}, your order has shipped and will arrive on Friday."), [AdjacentVariables]),
        ["adjacent: nothing between"] = (Definition(body: "Hi {{1}}{{2}}, your order has shipped and will arrive on Friday."), [AdjacentVariables]),
        ["adjacent: a word between"] = (Definition(body: "Hi {{1}} and {{2}}, your order has shipped and will arrive on Friday."), []),

        // placeholder_not_sequential, placeholder_out_of_order, placeholder_repeated
        ["sequence: 1 and 3"] = (Definition(body: "Hi {{1}}, your order {{3}} has shipped and will arrive on Friday."), [PlaceholderNotSequential]),
        ["sequence: 2 and 3"] = (Definition(body: "Hi {{2}}, your order {{3}} has shipped and will arrive on Friday."), [PlaceholderNotSequential]),
        ["sequence: 2 before 1"] = (Definition(body: "Hi {{2}}, your order {{1}} has shipped and will arrive on Friday."), [PlaceholderOutOfOrder]),
        ["repeated: 1 twice"] = (Definition(body: "Hi {{1}}, the order for {{1}} has shipped and will arrive on Friday."), [PlaceholderRepeated]),
        ["repeated: a name twice"] = (Definition(body: "Hi {{name}}, the order for {{name}} has shipped and will arrive on Friday."), [PlaceholderRepeated]),

        // too_many_variables: words + n >= 3n + 1
        ["ratio: 3 variables, 7 words (exactly enough)"] = (Definition(body: "Dear guest, booking {{1}} from {{2}} leaves at {{3}} tonight."), []),
        ["ratio: 3 variables, 6 words"] = (Definition(body: "Dear guest, booking {{1}} from {{2}} leaves {{3}} tonight."), [TooManyVariables]),
        ["ratio: 4 variables, 5 words"] = (Definition(body: "Hi {{1}}, order {{2}} ships {{3}} via {{4}} today."), [TooManyVariables]),
        ["ratio: punctuation is not a word"] = (Definition(body: "Hi - {{1}} : {{2}} -- here."), [TooManyVariables]),

        // too_many_newlines, long_space_run, tab_in_text
        ["newlines: one empty line"] = (Definition(body: "Hi {{1}},\n\nyour order {{2}} has shipped and will arrive on Friday."), []),
        ["newlines: two empty lines"] = (Definition(body: "Hi {{1}},\n\n\nyour order {{2}} has shipped and will arrive on Friday."), [TooManyNewlines]),
        ["newlines: CRLF, one empty line"] = (Definition(body: "Hi {{1}},\r\n\r\nyour order {{2}} has shipped and will arrive on Friday."), []),
        ["newlines: CRLF, two empty lines"] = (Definition(body: "Hi {{1}},\r\n\r\n\r\nyour order {{2}} has shipped and will arrive on Friday."), [TooManyNewlines]),
        ["newlines: spaces on the empty lines"] = (Definition(body: "Hi {{1}},\n \n \nyour order {{2}} has shipped and will arrive on Friday."), [TooManyNewlines]),
        ["spaces: 4 in a row"] = (Definition(body: "Hi {{1}},    your order {{2}} has shipped and will arrive on Friday."), []),
        ["spaces: 5 in a row"] = (Definition(body: "Hi {{1}},     your order {{2}} has shipped and will arrive on Friday."), [LongSpaceRun]),
        ["spaces: 5 in the header"] = (Definition(header: TextHeader("Your     order")), [LongSpaceRun]),
        ["spaces: 5 in the footer"] = (Definition(footer: "Acme     support"), [LongSpaceRun]),
        ["tab: in the body"] = (Definition(body: "Hi {{1}},\tyour order {{2}} has shipped and will arrive on Friday."), [TabInText]),
        ["tab: in a button label"] = (Definition(buttons: [QuickReply("Track\torder")]), [TabInText]),

        // footer
        ["footer: 60 characters"] = (Definition(footer: new string('f', 60)), []),
        ["footer: 61 characters"] = (Definition(footer: new string('f', 61)), [FooterTooLong]),
        ["footer: a variable"] = (Definition(footer: "Sent to {{1}}"), [FooterHasVariable]),
        ["footer: a malformed variable"] = (Definition(footer: "Sent to {{ name }}"), [FooterHasVariable]),
        ["footer: line break"] = (Definition(footer: "Acme\nsupport"), [NewlineInFooter]),

        // formatting_not_supported
        ["formatting: bold header"] = (Definition(header: TextHeader("*Order* shipped")), [FormattingNotSupported]),
        ["formatting: emoji in the header"] = (Definition(header: TextHeader("Order shipped 📦")), [FormattingNotSupported]),
        ["formatting: strike in the footer"] = (Definition(footer: "~Acme~ support"), [FormattingNotSupported]),
        ["formatting: emoji in a button"] = (Definition(buttons: [QuickReply("Thanks 👍")]), [FormattingNotSupported]),
        ["formatting: a variable's underscore is not Markdown"] = (Definition(
            body: "Hi {{customer_name}}, your order has shipped and will arrive on Friday.",
            header: TextHeader("Order {{order_id}}", "A-1001")), []),
        ["formatting: bold in the body is fine"] = (Definition(body: "Hi {{1}}, your order {{2}} has *shipped* and will arrive on Friday."), []),

        // shortened_url
        ["links: own site in the body"] = (Definition(body: "Hi {{1}}, order {{2}} has shipped: follow it at https://shop.example/track today."), []),
        ["links: bit.ly in the body"] = (Definition(body: "Hi {{1}}, order {{2}} has shipped: follow it at https://bit.ly/3xYz today."), [ShortenedUrl]),
        ["links: wa.me in the body"] = (Definition(body: "Hi {{1}}, order {{2}} has shipped; questions to wa.me/46701234567 any time."), [ShortenedUrl]),
        ["links: shortener in a URL button"] = (Definition(buttons: [Link("https://bit.ly/{{1}}", example: "3xYz")]), [ShortenedUrl]),

        // buttons: counts and grouping
        ["buttons: 10 quick replies"] = (Definition(buttons: Enumerable.Range(1, 10).Select(i => QuickReply($"Option {i}")).ToList()), []),
        ["buttons: 11 quick replies"] = (Definition(buttons: Enumerable.Range(1, 11).Select(i => QuickReply($"Option {i}")).ToList()), [TooManyButtons]),
        ["buttons: 2 URL buttons"] = (Definition(buttons: [Link(), Link("https://shop.example/help", "Help")]), []),
        ["buttons: 3 URL buttons"] = (Definition(buttons: [Link(), Link("https://shop.example/help", "Help"), Link("https://shop.example/faq", "FAQ")]), [TooManyUrlButtons]),
        ["buttons: 2 phone buttons"] = (Definition(buttons: [Call(), Call("+46812345678", "Call the shop")]), [TooManyPhoneNumberButtons]),
        ["buttons: 2 copy-code buttons"] = (Definition(category: Marketing, buttons: [CopyCode(), CopyCode("AUTUMN10")]), [TooManyCopyCodeButtons]),
        ["buttons: quick replies after the rest"] = (Definition(buttons: [Link(), Call(), QuickReply("Yes"), QuickReply("No")]), []),
        ["buttons: quick replies before the rest"] = (Definition(buttons: [QuickReply("Yes"), QuickReply("No"), Link()]), []),
        ["buttons: a link between quick replies"] = (Definition(buttons: [QuickReply("Yes"), Link(), QuickReply("No")]), [ButtonsNotGrouped]),
        ["buttons: a quick reply between the rest"] = (Definition(buttons: [Link(), QuickReply("Yes"), Call()]), [ButtonsNotGrouped]),

        // buttons: labels
        ["label: 25 characters"] = (Definition(buttons: [QuickReply(new string('b', 25))]), []),
        ["label: 26 characters"] = (Definition(buttons: [QuickReply(new string('b', 26))]), [ButtonTextTooLong]),
        ["label: empty"] = (Definition(buttons: [QuickReply("")]), [ButtonTextEmpty]),
        ["label: line break"] = (Definition(buttons: [QuickReply("Track\norder")]), [NewlineInButton]),

        // buttons: URLs
        ["url: variable at the end"] = (Definition(buttons: [Link("https://shop.example/track/{{1}}", example: "A-1001")]), []),
        ["url: variable as the query's value"] = (Definition(buttons: [Link("https://shop.example/track?order={{1}}", example: "A-1001")]), []),
        ["url: variable inside the path"] = (Definition(buttons: [Link("https://shop.example/{{1}}/track", example: "A-1001")]), [UrlVariableNotAtEnd]),
        ["url: two variables"] = (Definition(buttons: [Link("https://shop.example/{{1}}/{{2}}", example: "A-1001")]), [UrlTooManyVariables]),
        ["url: no URL"] = (Definition(buttons: [new TemplateButton(TemplateButtonType.Url, "Track order")]), [UrlInvalid]),
        ["url: no scheme"] = (Definition(buttons: [Link("shop.example/track")]), [UrlInvalid]),
        ["url: ftp"] = (Definition(buttons: [Link("ftp://shop.example/track")]), [UrlInvalid]),
        ["url: 2,000 characters"] = (Definition(buttons: [Link("https://shop.example/" + new string('p', 2000 - 21))]), []),
        ["url: 2,001 characters"] = (Definition(buttons: [Link("https://shop.example/" + new string('p', 2001 - 21))]), [UrlTooLong]),

        // buttons: phone numbers, copy code
        ["phone: international"] = (Definition(buttons: [Call("+46 70 123 45 67")]), []),
        ["phone: missing"] = (Definition(buttons: [Call(null)]), [PhoneNumberInvalid]),
        ["phone: no country code"] = (Definition(buttons: [Call("070 123 45 67")]), [PhoneNumberInvalid]),
        ["phone: over 20 characters"] = (Definition(buttons: [Call("+46 (0) 70 - 123 45 67")]), [PhoneNumberInvalid]),
        ["copy code: in a utility template"] = (Definition(buttons: [CopyCode()]), [CopyCodeNotMarketing]),

        // promotional_wording (UTILITY only: an AUTHENTICATION template's text is WhatsApp's)
        ["promotional: discount in a utility template"] = (Definition(body: "Hi {{1}}, order {{2}} has shipped. Enjoy a discount on your next order!"), [PromotionalWording]),
        ["promotional: discount in a marketing template"] = (Definition(category: Marketing, body: "Hi {{1}}, order {{2}} has shipped. Enjoy a discount on your next order!"), []),
        ["promotional: an authentication template is only checked for its fixed body"] = (Authentication(body: "Your code is {{1}}. Shop now for more!"), [AuthenticationBodyNotFixed]),

        // authentication_*: WhatsApp's fixed layout; the ordinary body rules (variable at the start, examples, ratio) do not apply
        ["authentication: fixed body, default options"] = (Authentication(), []),
        ["authentication: security off, 90 minutes, own label"] = (Authentication(options: new(false, 90, new string('c', 25))), []),
        ["authentication: 1 minute"] = (Authentication(options: new(CodeExpirationMinutes: 1)), []),
        ["authentication: fixed body with its example"] = (Authentication(examples: new Dictionary<string, string> { ["1"] = "123456" }), []),
        ["authentication: example code over 15"] = (Authentication(examples: new Dictionary<string, string> { ["1"] = new string('9', 16) }), [ExampleTooLong]),
        ["authentication: own body"] = (Authentication(body: "Your verification code is {{1}}. Do not share it."), [AuthenticationBodyNotFixed]),
        ["authentication: fixed body without its variable"] = (Authentication(body: "is your verification code."), [AuthenticationBodyNotFixed]),
        ["authentication: empty body"] = (Authentication(body: ""), [BodyEmpty]),
        ["authentication: no options"] = (Authentication(noOptions: true), [AuthenticationOptionsMissing]),
        ["authentication: 0 minutes"] = (Authentication(options: new(CodeExpirationMinutes: 0)), [AuthenticationOptionsInvalid]),
        ["authentication: 91 minutes"] = (Authentication(options: new(CodeExpirationMinutes: 91)), [AuthenticationOptionsInvalid]),
        ["authentication: label over 25"] = (Authentication(options: new(CopyCodeText: new string('c', 26))), [AuthenticationOptionsInvalid]),
        ["authentication: options on a utility template"] = (Definition() with { Components = Components() with { Authentication = new() } }, [AuthenticationOptionsInvalid]),
        ["authentication: header"] = (Authentication(header: TextHeader("Your code")), [AuthenticationComponentNotAllowed]),
        ["authentication: footer text"] = (Authentication(footer: "Expires soon"), [AuthenticationComponentNotAllowed]),
        ["authentication: buttons"] = (Authentication(buttons: [CopyCode()]), [AuthenticationComponentNotAllowed]),
        ["authentication: header, footer and buttons"] = (Authentication(header: TextHeader("Code"), footer: "Bye", buttons: [QuickReply("Not me")]),
            [AuthenticationComponentNotAllowed, AuthenticationComponentNotAllowed, AuthenticationComponentNotAllowed]),
        ["promotional: a phrase across a line break"] = (Definition(body: "Hi {{1}}, order {{2}} has shipped.\nShop\nnow for spring!"), [PromotionalWording]),
        ["promotional: a sentence break ends a phrase"] = (Definition(body: "Hi {{1}}, thanks for your order. Now we pack {{2}} and ship it on Friday."), []),
        ["promotional: a variable ends a phrase"] = (Definition(header: TextHeader("Order {{1}} now", "A-1001")), []),
        ["promotional: whole words only"] = (Definition(body: "Hi {{1}}, order {{2}} was discounted by our salesperson as agreed."), []),
        ["promotional: a variable named discount"] = (Definition(body: "Hi {{name}}, the {{discount}} you agreed on is on your invoice now."), []),
        ["promotional: one finding per phrase"] = (Definition(body: "Hi {{1}}, order {{2}}: sale! Sale! SALE! And a coupon."), [PromotionalWording, PromotionalWording]),
        ["promotional: in the header, footer and a button"] = (Definition(
            header: TextHeader("Your order and a coupon"), footer: "Deals every week", buttons: [QuickReply("Shop now")]),
            [PromotionalWording, PromotionalWording, PromotionalWording]),
        ["promotional: Swedish"] = (Definition(language: "sv", body: "Hej {{1}}, din order {{2}} är skickad. Missa inte vår REA i helgen!"), [PromotionalWording, PromotionalWording]),
        ["promotional: Spanish without accents"] = (Definition(language: "es_MX", body: "Hola {{1}}, tu pedido {{2}} fue enviado. ¡Aprovecha esta PROMOCION hoy!"), [PromotionalWording]),
        ["promotional: German"] = (Definition(language: "de", body: "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs. Nur für kurze Zeit: Schnäppchen!"), [PromotionalWording, PromotionalWording]),
        ["promotional: French"] = (Definition(language: "fr", body: "Bonjour {{1}}, votre commande {{2}} est en route. Profitez des soldes !"), [PromotionalWording]),
        ["promotional: Portuguese"] = (Definition(language: "pt_BR", body: "Olá {{1}}, seu pedido {{2}} foi enviado. Frete grátis na próxima compra!"), [PromotionalWording]),
        ["promotional: another language's words do not count"] = (Definition(language: "sv", body: "Hej {{1}}, din order {{2}} är skickad. Ha en fin sale dag."), []),
    };

    private static TemplateDefinition Authentication(
        string body = AuthenticationTemplate.Body,
        AuthenticationOptions? options = null,
        bool noOptions = false,
        TemplateHeader? header = null,
        string? footer = null,
        IReadOnlyList<TemplateButton>? buttons = null,
        IReadOnlyDictionary<string, string>? examples = null) =>
        new("login_code", "en", TemplateCategory.Authentication,
            new TemplateComponents(body, examples ?? new Dictionary<string, string>(), header, footer, buttons, noOptions ? null : options ?? new AuthenticationOptions()));

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void EachRuleFindsExactlyWhatItShould(string name)
    {
        var (template, expected) = Cases[name];
        var found = TemplateLinter.Lint(template);
        Assert.Equal(expected.Order(StringComparer.Ordinal), found.Select(f => f.Code).Order(StringComparer.Ordinal));
        Assert.All(found, f => Assert.Equal(LintCodes.All[f.Code], f.Severity));
    }

    [Fact]
    public void EveryRuleHasABadCaseInTheTable()
    {
        var covered = Cases.Values.SelectMany(c => c.Codes).ToHashSet(StringComparer.Ordinal);
        var uncovered = LintCodes.All.Keys.Except(covered).ToList();
        Assert.True(uncovered.Count == 0, "No bad case for: " + string.Join(", ", uncovered));
    }

    [Fact]
    public void CodesAreSnakeCaseAndEachHasOneSeverity()
    {
        var constants = typeof(LintCodes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(constants.Order(StringComparer.Ordinal), LintCodes.All.Keys.Order(StringComparer.Ordinal));
        Assert.All(constants, c => Assert.Matches("^[a-z]+(_[a-z]+)*$", c));
    }

    [Theory]
    [InlineData("{{1}}, your order {{2}} has shipped today.", VariableAtStart, 0)]
    [InlineData("Hi {{1}}, your order has shipped on {{2}}", VariableAtEnd, 36)]
    [InlineData("Hi {{1}} {{2}}, your order has shipped and will arrive on Friday.", AdjacentVariables, 9)]
    [InlineData("Hi {{1}}, your order {{3}} has shipped and will arrive on Friday.", PlaceholderNotSequential, 21)]
    [InlineData("Hi {{1}}, the order for {{1}} has shipped and will arrive on Friday.", PlaceholderRepeated, 24)]
    [InlineData("Hi {{1}},\n\n\nyour order {{2}} has shipped and will arrive on Friday.", TooManyNewlines, 9)]
    [InlineData("Hi {{1}}, your order {{2}} has shipped. Enjoy a discount on your next order!", PromotionalWording, 48)]
    public void FindingsPointAtTheCharacterInTheComponent(string body, string code, int position)
    {
        var finding = Assert.Single(TemplateLinter.Lint(Definition(body: body)), f => f.Code == code);
        Assert.Equal("body", finding.Component);
        Assert.Equal(position, finding.Position);
    }

    [Fact]
    public void AButtonsFindingNamesTheButtonAndPointsIntoItsUrl()
    {
        var template = Definition(buttons: [QuickReply("Yes"), Link("https://shop.example/{{1}}/track", example: "A-1")]);
        var finding = Assert.Single(TemplateLinter.Lint(template));
        Assert.Equal(new LintFinding(UrlVariableNotAtEnd, LintSeverity.Error, "buttons[1]", 21, finding.Message), finding);
        Assert.Contains("{{1}}", finding.Message);
    }

    [Fact]
    public void TooManyButtonsPointsAtTheFirstButtonOverTheCount()
    {
        var findings = TemplateLinter.Lint(Definition(buttons: [Link(), Link(), Link(), Call(), Call()]));
        Assert.Equal(
            [(TooManyUrlButtons, "buttons[2]"), (TooManyPhoneNumberButtons, "buttons[4]")],
            findings.Select(f => (f.Code, f.Component)));
    }

    [Fact]
    public void FindingsComeInTheTemplatesOrder()
    {
        var template = Definition(
            name: "Bad Name",
            body: "{{1}} ordered {{2}}",
            header: TextHeader("Order\n{{1}}"),
            footer: "By {{1}}",
            buttons: [QuickReply(""), QuickReply(new string('x', 30))]);
        var findings = TemplateLinter.Lint(template);
        Assert.Equal(
        [
            ("name", NameFormat), ("header", NewlineInHeader), ("header", MissingExample),
            ("body", TooManyVariables), ("body", VariableAtStart), ("body", VariableAtEnd),
            ("footer", FooterHasVariable), ("buttons[0]", ButtonTextEmpty), ("buttons[1]", ButtonTextTooLong),
        ], findings.Select(f => (f.Component, f.Code)));
    }

    [Theory]
    [InlineData("sv", "superpris", true)]      // the tenant's Swedish word, in a Swedish template
    [InlineData("sv_SE", "SUPERPRIS", true)]   // key and text in any case, with a region
    [InlineData("de", "superpris", false)]     // not German
    [InlineData("*", "superpris", true)]       // every language
    [InlineData("sv", "super pris", false)]    // a phrase matches word for word only
    public void ATenantsOwnWordsCount(string key, string word, bool found)
    {
        var options = new LintOptions { ExtraPromotionalWords = new Dictionary<string, IReadOnlyList<string>> { [key] = [word] } };
        var template = Definition(language: "sv", body: "Hej {{1}}, din order {{2}} är skickad. Nästa gång: superpris på allt.");
        var codes = TemplateLinter.Lint(template, options).Select(f => f.Code);
        Assert.Equal(found, codes.Contains(PromotionalWording));
    }

    [Fact]
    public void TheDefaultListsCoverTheLanguagesAsked() =>
        Assert.Superset(new HashSet<string> { "en", "sv", "es", "de", "fr", "pt" }, PromotionalWords.Default.Keys.ToHashSet());

    [Fact]
    public void LintingIsPureAndSafeToShare()
    {
        var template = Definition(body: "{{1}} {{2}}");
        var results = Enumerable.Range(0, 64).AsParallel().Select(_ => TemplateLinter.Lint(template)).ToList();
        Assert.All(results, r => Assert.Equal(results[0], r));
    }
}
