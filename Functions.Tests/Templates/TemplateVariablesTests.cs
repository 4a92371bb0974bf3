using Functions.Templates;
using static Functions.Tests.Templates.TestTemplates;

namespace Functions.Tests.Templates;

public sealed class TemplateVariablesTests
{
    [Fact]
    public void EveryVariableIsListedWithItsKeyPlaceAndLimit()
    {
        var components = Components(
            body: "Hi {{1}}, order {{2}} for {{1}} ships today.",
            header: TextHeader("Order {{1}}", "A-1001"),
            footer: "Acme",
            buttons: [QuickReply("Thanks"), Link("https://shop.example/t/{{1}}", example: "A-1001"), Call(), CopyCode("SPRING25")]);

        Assert.Equal(
        [
            new TemplateVariable("header.1", "header", "1", 6, 60, "A-1001"),
            new TemplateVariable("1", "body", "1", 3, 1024, "example 1"),
            new TemplateVariable("2", "body", "2", 16, 1024, "example 2"),       // {{1}} written twice is one variable
            new TemplateVariable("button.1", "buttons[1]", "1", 23, 2000 - 23, "A-1001"),
            new TemplateVariable("button.3", "buttons[3]", null, null, 15, "SPRING25"),
        ], TemplateVariables.Of(components));
    }

    [Fact]
    public void NamedVariablesGoByTheirNames()
    {
        var components = Components(
            body: "Hi {{customer_name}}, order {{order_id}} ships today.",
            header: TextHeader("Order {{order_id}}", "A-1001"));
        Assert.Equal(["header.order_id", "customer_name", "order_id"], TemplateVariables.Of(components).Select(v => v.Key));
    }

    [Fact]
    public void MalformedPlaceholdersFootersAndFixedButtonsNeedNothing()
    {
        var components = Components(
            body: "Hello {{ 1 }} and {{#2}}, nothing to fill in here.",
            header: new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://shop.example/a.jpg"),
            footer: "By {{1}}",
            buttons: [QuickReply(), Link(), Call()]);
        Assert.Empty(TemplateVariables.Of(components));
    }
}
