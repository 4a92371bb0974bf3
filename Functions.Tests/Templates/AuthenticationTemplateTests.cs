using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Templates;

namespace Functions.Tests.Templates;

/// <summary>
/// Authentication (one-time password, copy-code) templates: the API's options, the preview as
/// WhatsApp shows it, the one parameter (the code), and how a send maps it for Meta and Twilio.
/// </summary>
public sealed class AuthenticationTemplateTests
{
    private static TemplateComponents Components(AuthenticationOptions options) =>
        new(AuthenticationTemplate.Body, new Dictionary<string, string>(), Authentication: options);

    private static TemplateDefinition Definition(AuthenticationOptions options) =>
        new("login_code", "en_US", TemplateCategory.Authentication, Components(options));

    private static Dictionary<string, string> Code(string code) => new(StringComparer.Ordinal) { ["1"] = code };

    [Fact]
    public void ThePreviewHasTheCodeTheSecuritySentenceTheExpiryAndTheCopyCodeButton()
    {
        var rendered = TemplateRenderer.Render(Components(new AuthenticationOptions(true, 10)), Code("482913"));

        Assert.Null(rendered.Header);
        Assert.Equal("482913 is your verification code. For your security, do not share this code.", rendered.Body);
        Assert.Equal("This code expires in 10 minutes.", rendered.Footer);
        Assert.Equal([new RenderedButton(TemplateButtonType.CopyCode, "Copy code", Code: "482913")], rendered.Buttons);
    }

    [Fact]
    public void WithoutTheSecuritySentenceAndExpiryThePreviewIsTheFixedTextAndTheChosenLabel()
    {
        var rendered = TemplateRenderer.Render(Components(new AuthenticationOptions(false, null, "Copy your code")), Code("482913"));

        Assert.Equal("482913 is your verification code.", rendered.Body);
        Assert.Null(rendered.Footer);
        Assert.Equal([new RenderedButton(TemplateButtonType.CopyCode, "Copy your code", Code: "482913")], rendered.Buttons);
    }

    [Fact]
    public void TheOnlyParameterIsTheCodeOfAtMostFifteenCharacters()
    {
        var components = Components(new AuthenticationOptions());

        Assert.Equal(["1"], TemplateVariables.Of(components).Select(v => v.Key));
        Assert.Empty(TemplateRenderer.ValidateParameters(components, Code("482913")));
        Assert.Equal(ParameterProblemCodes.Missing, TemplateRenderer.ValidateParameters(components, new Dictionary<string, string>())["1"].Code);
        Assert.Equal(ParameterProblemCodes.TooLong, TemplateRenderer.ValidateParameters(components, Code(new string('9', 16)))["1"].Code);
        var unknown = TemplateRenderer.ValidateParameters(components, new Dictionary<string, string> { ["1"] = "482913", ["button.0"] = "482913" });
        Assert.Equal(ParameterProblemCodes.Unknown, Assert.Single(unknown).Value.Code);
    }

    [Fact]
    public void TheApiTakesTheOptionsAndTheFixedBodyWhenLeftOut()
    {
        var errors = new Dictionary<string, string[]>();
        var definition = TemplateRequestValidation.Validate(new TemplateRequest("login_code", "en", "AUTHENTICATION",
            new ComponentsRequest(null, null, null, null, null, new AuthenticationRequest(null, 10, "Copy code"))), errors);

        Assert.Empty(errors);
        Assert.Equal(AuthenticationTemplate.Body, definition!.Components.Body);
        Assert.Equal(new AuthenticationOptions(true, 10, "Copy code"), definition.Components.Authentication);
        Assert.Empty(TemplateLinter.Lint(definition));
    }

    [Fact]
    public void AnAuthenticationTemplateWithoutComponentsIsADraftTheLinterAsksOptionsOf()
    {
        var errors = new Dictionary<string, string[]>();
        var definition = TemplateRequestValidation.Validate(new TemplateRequest("login_code", "en", "AUTHENTICATION", null), errors);

        Assert.Empty(errors);
        Assert.Equal([LintCodes.AuthenticationOptionsMissing], TemplateLinter.Lint(definition!).Select(f => f.Code));
    }

    [Theory]
    [InlineData("AUTHENTICATION", 0, null, "components.authentication.codeExpirationMinutes")]
    [InlineData("AUTHENTICATION", 91, null, "components.authentication.codeExpirationMinutes")]
    [InlineData("AUTHENTICATION", null, "A label of twenty-six chrs", "components.authentication.copyCodeText")]
    [InlineData("AUTHENTICATION", null, " ", "components.authentication.copyCodeText")]
    [InlineData("UTILITY", null, null, "components.authentication")]
    public void TheApiNamesEachBadOption(string category, int? minutes, string? label, string field)
    {
        var errors = new Dictionary<string, string[]>();
        var definition = TemplateRequestValidation.Validate(new TemplateRequest("login_code", "en", category,
            new ComponentsRequest(null, AuthenticationTemplate.Body, null, null, null, new AuthenticationRequest(true, minutes, label))), errors);

        Assert.Null(definition);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void AMetaSendHasTheCodeInTheBodyAndAsTheCopyCodeButtonsUrlSuffix()
    {
        var template = new MessageTemplate(Definition(new AuthenticationOptions(true, 10)), 1, TemplateStatus.Approved, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var content = TemplateSending.MetaContent(template, Code("482913"), null);

        Assert.Equal([new TemplateButtonValue(0, TemplateButtonValueKind.UrlSuffix, "482913")], content.ButtonValues);
        using var body = JsonDocument.Parse(MetaMessagePayload.Message(new OutboundMessage("+46701234567", MessageKind.Template) { Template = content }));
        Assert.Equal(
            """{"name":"login_code","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"482913"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"482913"}]}]}""",
            JsonSerializer.Serialize(body.RootElement.GetProperty("template")));
    }

    [Fact]
    public void ATwilioSendHasTheCodeAsVariableOne()
    {
        var variables = TemplateSending.TwilioVariables(Definition(new AuthenticationOptions(true, 10)), Code("482913"), null);

        Assert.Equal(new Dictionary<string, string> { ["1"] = "482913" }, variables);
    }
}
