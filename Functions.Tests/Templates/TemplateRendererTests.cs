using Functions.Templates;
using static Functions.Templates.ParameterProblemCodes;
using static Functions.Tests.Templates.TestTemplates;

namespace Functions.Tests.Templates;

public sealed class TemplateRendererTests
{
    private static readonly TemplateComponents Order = Components(
        body: "Hi {{1}}, your order {{2}} has shipped.\n\nIt arrives {{3}}.",
        header: TextHeader("Order {{1}}", "A-1001"),
        footer: "Acme Shop",
        buttons: [Link("https://shop.example/track/{{1}}", example: "A-1001"), Call(), CopyCode(), QuickReply("Thanks")]);

    private static readonly Dictionary<string, string> OrderParameters = Params(
        "header.1=A-1001", "1=Ada", "2=A-1001", "3=on Friday", "button.0=A-1001?lang=sv", "button.2=SPRING25");

    [Fact]
    public void RenderingShowsTheMessageAsTheCustomerGetsIt()
    {
        var rendered = TemplateRenderer.Render(Order, OrderParameters);

        Assert.Equal("Order A-1001", rendered.Header);
        Assert.Equal("Hi Ada, your order A-1001 has shipped.\n\nIt arrives on Friday.", rendered.Body);
        Assert.Equal("Acme Shop", rendered.Footer);
        Assert.Equal(
        [
            new RenderedButton(TemplateButtonType.Url, "Track order", Url: "https://shop.example/track/A-1001?lang=sv"),
            new RenderedButton(TemplateButtonType.PhoneNumber, "Call us", PhoneNumber: "+46701234567"),
            new RenderedButton(TemplateButtonType.CopyCode, "Copy code", Code: "SPRING25"),
            new RenderedButton(TemplateButtonType.QuickReply, "Thanks"),
        ], rendered.Buttons);
    }

    [Fact]
    public void NamedVariablesAndValuesThatLookLikeVariablesAreTakenAsGiven()
    {
        var components = Components(body: "Hi {{customer_name}}, {{order_id}} is ready: {{customer_name}}, come by.");
        var rendered = TemplateRenderer.Render(components, Params("customer_name=Ada {{order_id}}", "order_id=*A-1*"));
        // Substitution is one pass: a value is never read for placeholders; WhatsApp's *bold* is left for the phone.
        Assert.Equal("Hi Ada {{order_id}}, *A-1* is ready: Ada {{order_id}}, come by.", rendered.Body);
    }

    [Fact]
    public void AVariableWithoutAValueStaysAsWrittenInThePreview()
    {
        var rendered = TemplateRenderer.Render(Order, Params("1=Ada"));
        Assert.Equal("Order {{1}}", rendered.Header);
        Assert.Equal("Hi Ada, your order {{2}} has shipped.\n\nIt arrives {{3}}.", rendered.Body);
        Assert.Equal("https://shop.example/track/{{1}}", rendered.Buttons[0].Url);
        Assert.Null(rendered.Buttons[2].Code);
    }

    [Fact]
    public void AMediaHeaderAndNoFooterRenderAsNull()
    {
        var components = Components(header: new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://shop.example/a.jpg"));
        var rendered = TemplateRenderer.Render(components, Params("1=Ada", "2=A-1"));
        Assert.Null(rendered.Header);
        Assert.Null(rendered.Footer);
        Assert.Empty(rendered.Buttons);
    }

    [Fact]
    public void GoodParametersHaveNoProblems() =>
        Assert.Empty(TemplateRenderer.ValidateParameters(Order, OrderParameters));

    [Theory]
    [InlineData("2", null, Missing)]
    [InlineData("header.1", null, Missing)]
    [InlineData("button.0", null, Missing)]
    [InlineData("button.2", null, Missing)]
    [InlineData("2", "", Empty)]
    [InlineData("2", "   ", Empty)]
    [InlineData("2", "A-1001\nA-1002", Newline)]
    [InlineData("2", "A-1001\r", Newline)]
    [InlineData("header.1", "A\n1", Newline)]
    [InlineData("2", "A-1001\tA-1002", Tab)]
    [InlineData("2", "A-1001    A-1002", null)]                 // 4 spaces
    [InlineData("2", "A-1001     A-1002", SpaceRun)]            // 5: "more than 4 consecutive spaces"
    [InlineData("button.2", "SPRING 25", null)]
    [InlineData("button.2", "SPRING\t25", Tab)]
    [InlineData("button.0", "A-1001", null)]
    [InlineData("button.0", "A 1001", WhitespaceInUrl)]
    [InlineData("button.0", "A-1001\n", WhitespaceInUrl)]
    public void EachParameterIsCheckedForWhatTheProvidersRefuse(string key, string? value, string? problem)
    {
        var parameters = new Dictionary<string, string>(OrderParameters);
        if (value is null)
        {
            parameters.Remove(key);
        }
        else
        {
            parameters[key] = value;
        }
        var problems = TemplateRenderer.ValidateParameters(Order, parameters);
        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            var (name, found) = Assert.Single(problems);
            Assert.Equal(key, name);
            Assert.Equal(problem, found.Code);
            Assert.Contains($"'{key}'", found.Message);
        }
    }

    [Theory]
    [InlineData("header.1", 60, null)]
    [InlineData("header.1", 61, TooLong)]
    [InlineData("button.2", 15, null)]        // a copy code
    [InlineData("button.2", 16, TooLong)]
    [InlineData("button.0", 1973, null)]      // the URL's 27 fixed characters and the suffix make 2,000
    [InlineData("button.0", 1974, TooLong)]
    [InlineData("2", 1024, BodyTooLong)]      // a body value may be 1,024 long, but then the body is longer than that
    [InlineData("2", 1025, TooLong)]
    public void EachParameterHasItsLengthLimit(string key, int length, string? problem)
    {
        var parameters = new Dictionary<string, string>(OrderParameters) { [key] = new string('x', length) };
        var problems = TemplateRenderer.ValidateParameters(Order, parameters);
        Assert.Equal(problem, problems.GetValueOrDefault(key)?.Code);
        Assert.Equal(problem is null ? 0 : 1, problems.Count);
    }

    [Fact]
    public void ParametersTheTemplateDoesNotHaveAreUnknown()
    {
        var parameters = new Dictionary<string, string>(OrderParameters) { ["4"] = "x", ["customer_name"] = "Ada", ["button.3"] = "x" };
        var problems = TemplateRenderer.ValidateParameters(Order, parameters);
        Assert.Equal(["4", "button.3", "customer_name"], problems.Keys);
        Assert.All(problems.Values, p => Assert.Equal(Unknown, p.Code));
        Assert.Contains("it takes header.1, 1, 2, 3, button.0, button.2", problems["4"].Message);
    }

    [Fact]
    public void ATemplateWithoutVariablesTakesNoParameters()
    {
        var problems = TemplateRenderer.ValidateParameters(Components(body: "Your order has shipped."), Params("1=Ada"));
        Assert.Equal("'1' is not a variable of this template: it takes no parameters.", problems["1"].Message);
    }

    [Fact]
    public void EveryProblemIsNamedAtOnce()
    {
        var problems = TemplateRenderer.ValidateParameters(Order, Params("1=", "2=A\tB", "header.1=A-1", "button.0=x", "button.2=CODE", "zz=1"));
        Assert.Equal(
            [("1", Empty), ("2", Tab), ("3", Missing), ("zz", Unknown)],
            problems.Select(p => (p.Key, p.Value.Code)));
    }

    [Fact]
    public void ABodyOverItsLimitOnceFilledInNamesTheLongestValue()
    {
        var components = Components(body: "Dear {{1}}, your note: {{2}} (from {{3}}).");
        var fits = Params("1=Ada", "2=" + new string('n', 992), "3=us"); // 27 fixed characters + 3 + 992 + 2 = 1,024
        Assert.Empty(TemplateRenderer.ValidateParameters(components, fits));

        var over = Params("1=Ada", "2=" + new string('n', 992), "3=us!"); // 1,025
        var (key, problem) = Assert.Single(TemplateRenderer.ValidateParameters(components, over));
        Assert.Equal("2", key);
        Assert.Equal(BodyTooLong, problem.Code);
    }

    [Fact]
    public void LengthsCountCharactersNotUtf16Units()
    {
        var components = Components(header: TextHeader("Hi {{1}}", "Ada"));
        var emoji = string.Concat(Enumerable.Repeat("🎉", 60)); // 60 characters, 120 UTF-16 units
        var parameters = Params("header.1=" + emoji, "1=Ada", "2=A-1");
        Assert.Empty(TemplateRenderer.ValidateParameters(components, parameters));
    }
}
