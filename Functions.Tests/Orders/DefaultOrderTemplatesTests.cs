using Functions.Orders;
using Functions.Templates;

namespace Functions.Tests.Orders;

/// <summary>The default order templates every new tenant gets: one per status, lint-clean UTILITY, filled with one-line parameters.</summary>
public sealed class DefaultOrderTemplatesTests
{
    public static TheoryData<OrderStatus> Statuses() => [.. OrderStatuses.All];

    [Fact]
    public void ThereIsOneTemplatePerSeedStatus()
    {
        Assert.Equal(15, OrderStatuses.All.Count);
        Assert.Equal(15, OrderStatuses.All.Select(DefaultOrderTemplates.Name).Distinct().Count());
        Assert.Equal("order_confirmation", DefaultOrderTemplates.Name(OrderStatus.OrderSent));
        Assert.Equal("order_outstanding_payment", DefaultOrderTemplates.Name(OrderStatus.OutstandingPayment));
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public void EveryDefaultTemplateIsAnEnglishUtilityTemplateTheLinterFindsNothingIn(OrderStatus status)
    {
        var definition = DefaultOrderTemplates.Definition(status);

        Assert.Equal((TemplateCategory.Utility, "en"), (definition.Category, definition.Language));
        Assert.True(TemplateRequestValidation.IsValidName(definition.Name));
        Assert.Empty(TemplateLinter.Lint(definition));
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public void EachTemplateTakesExactlyTheParametersItsStatusFillsAndEachIsOneLine(OrderStatus status)
    {
        var order = new Order("A-1", status, DateTimeOffset.UnixEpoch, "+46701234567", null, null,
            [new OrderItem("Phone\ncase\twith  spaces", 2, 9.5m)], "EUR", 19m, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
        {
            Carrier = "DHL", TrackingNumber = "1234", AmountDue = 5m, RefundAmount = 19m, Reason = "Line\r\nbreak",
        };

        var parameters = DefaultOrderTemplates.Parameters(status, order, new OrderDetails(), new Uri("https://t.example/track?token=abc"));

        Assert.Empty(TemplateRenderer.ValidateParameters(DefaultOrderTemplates.Definition(status).Components, parameters));
        Assert.All(parameters.Values, v => Assert.DoesNotMatch(@"[\r\n\t]| {2,}", v));
        Assert.Equal("A-1", parameters["1"]);
        Assert.Equal("https://t.example/track?token=abc", parameters[parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    }

    [Fact]
    public void TheConfirmationRendersAsTheSeedsExampleWithTheItemsOnOneLine()
    {
        var order = new Order("IQma2srqAkqb7YQ0uYwFnA", OrderStatus.OrderSent, DateTimeOffset.UnixEpoch, "+85291234567", null, null,
            [new OrderItem("Iphone 11 256GB Black", 1, 6899m), new OrderItem("Case", 2, 99.5m)], "HKD", 7098m, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var definition = DefaultOrderTemplates.Definition(OrderStatus.OrderSent);

        var text = TemplateRenderer.Render(definition.Components,
            DefaultOrderTemplates.Parameters(OrderStatus.OrderSent, order, new OrderDetails(), new Uri("https://shop.example/api/orders/track?token=xyz"))).Body;

        Assert.Equal("""
            Order Confirmation (#IQma2srqAkqb7YQ0uYwFnA)

            Iphone 11 256GB Black, Qty: 1, Price: HKD 6,899.00; Case, Qty: 2, Price: HKD 99.50

            Total: HKD 7,098.00

            Click here to track your order:
            https://shop.example/api/orders/track?token=xyz

            Thank you for your order. Reply to this message if you have any questions.
            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void ManyItemsAreCutShortAndCountedSoTheParameterFits()
    {
        var items = Enumerable.Range(1, 100).Select(i => new OrderItem($"Item number {i} with a fairly long name", i, 1234.56m)).ToList();

        var line = DefaultOrderTemplates.ItemsLine(items, "JPY");

        Assert.True(line.Length <= DefaultOrderTemplates.MaxItemsLine, $"{line.Length} characters");
        Assert.StartsWith("Item number 1 with a fairly long name, Qty: 1, Price: JPY 1,235; ", line);
        Assert.Matches(@"; and \d+ more$", line);
    }
}
