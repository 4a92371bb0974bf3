using Functions.CannedResponses;

namespace Functions.Tests.CannedResponses;

public sealed class CannedResponseVariablesTests
{
    private static readonly CannedResponseContext Ada = new("Ada Lovelace", "+46701234567", "Meta Shop");
    private static readonly CannedResponseContext Nameless = new(null, "+46701234567", "Meta Shop");

    [Fact]
    public void VariablesAreFilledFromTheConversationsContactAndTheBusiness()
    {
        var rendered = CannedResponseVariables.Render("Hi {{contact_first_name}} ({{ contact_name }}), {{business_name}} will call {{contact_phone}}.", Ada);

        Assert.Equal("Hi Ada (Ada Lovelace), Meta Shop will call +46701234567.", rendered.Text);
        Assert.Empty(rendered.Missing);
    }

    [Fact]
    public void AnUnknownValueTakesItsFallbackOrNothingAndIsReportedOnce()
    {
        var rendered = CannedResponseVariables.Render("Hi {{contact_first_name|there}}! {{contact_name}}{{contact_name}}", Nameless);

        Assert.Equal("Hi there! ", rendered.Text);
        Assert.Equal(["contact_first_name", "contact_name"], rendered.Missing);
    }

    [Theory]
    [InlineData("Thanks!")]
    [InlineData("Thanks {{contact_first_name}}")]
    [InlineData("Thanks {{ contact_first_name | friend }}")]
    [InlineData("Braces { alone } are text")]
    public void TextWithKnownVariablesOrNoneIsFine(string text) => Assert.Null(CannedResponseVariables.Problem(text));

    [Theory]
    [InlineData("Order {{order_id}}")]
    [InlineData("Hi {{Contact_Name}}")]
    [InlineData("Hi {{}}")]
    [InlineData("Hi {{contact_name|a|b}}")]
    public void AnythingElseInDoubleBracesIsAProblemNamingIt(string text)
    {
        var problem = CannedResponseVariables.Problem(text);
        Assert.NotNull(problem);
        Assert.Contains("{{contact_name}}", problem);
    }
}
