using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;

namespace Functions.Tests.Channels.Meta;

/// <summary>A template's header text, body and button values become the components Meta's send API documents.</summary>
public sealed class MetaTemplateParametersTests
{
    [Fact]
    public void HeaderTextBodyAndButtonValuesBecomeTheirComponents()
    {
        var template = new TemplateContent("order_shipped", "en_US", new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#1042" })
        {
            HeaderText = "#1042",
            ButtonValues = [new(1, TemplateButtonValueKind.CopyCode, "SPRING25"), new(0, TemplateButtonValueKind.UrlSuffix, "1042?t=abc")],
        };

        using var body = JsonDocument.Parse(MetaMessagePayload.Message(new OutboundMessage("+46701234567", MessageKind.Template) { Template = template }));

        Assert.Equal(
            """[{"type":"header","parameters":[{"type":"text","text":"#1042"}]},{"type":"body","parameters":[{"type":"text","text":"Ada"},{"type":"text","text":"#1042"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"1042?t=abc"}]},{"type":"button","sub_type":"copy_code","index":"1","parameters":[{"type":"coupon_code","coupon_code":"SPRING25"}]}]""",
            JsonSerializer.Serialize(body.RootElement.GetProperty("template").GetProperty("components")));
    }

    [Fact]
    public void ATemplateWithoutValuesHasNoComponents()
    {
        var template = new TemplateContent("hello_world", "en_US", new Dictionary<string, string>());

        using var body = JsonDocument.Parse(MetaMessagePayload.Message(new OutboundMessage("+46701234567", MessageKind.Template) { Template = template }));

        Assert.False(body.RootElement.GetProperty("template").TryGetProperty("components", out _));
    }
}
