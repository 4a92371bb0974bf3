using System.Net;
using Functions.Orders;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// The tracking page's other order-system values (a rejection's or cancellation's reason, the amount
/// due) are HTML-encoded too, and the page shows nothing about the customer: not their name, not their phone.
/// </summary>
public sealed class TrackingPageEscapingTests(TrackingApp app) : IClassFixture<TrackingApp>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.PaymentRejected)]
    [InlineData(OrderStatus.ReceiptRejected)]
    [InlineData(OrderStatus.ReturnRejected)]
    public async Task AReasonIsEscapedAndTheCustomerIsNotShown(OrderStatus status)
    {
        var shop = await app.TenantAsync(Unique("rs"), "Reason Shop");
        await app.ShippedOrderAsync(shop, "R-1");
        await app.EventAsync(shop, "R-1", status, TrackingApp.Start, new OrderDetails { Reason = "</dd><script>steal()</script><a href=\"javascript:x()\">" });

        var response = await app.Http.GetAsync((await app.LinkAsync(shop, "R-1")).PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<dt>Reason</dt><dd>&lt;/dd&gt;&lt;script&gt;steal()&lt;/script&gt;&lt;a href=&quot;javascript:x()&quot;&gt;</dd>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        // TrackingApp's events are for "Chan Tai Man" at +852 9123 4567.
        Assert.DoesNotContain("Chan Tai Man", html, StringComparison.Ordinal);
        Assert.DoesNotContain("91234567", html, StringComparison.Ordinal);
    }
}
