using System.Net;
using Functions.Orders;
using Functions.Orders.Tracking;
using Functions.Tenants;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// The public tracking page over real HTTP: it shows the one order its token names, escapes
/// whatever order systems send, sends headers that keep it private, and answers every bad or
/// foreign token with a 4xx page that shows no order.
/// </summary>
public sealed class TrackingPageTests(TrackingApp app) : IClassFixture<TrackingApp>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private async Task<(HttpResponseMessage Response, string Html)> GetAsync(string pathAndQuery)
    {
        var response = await app.Http.GetAsync(pathAndQuery);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The HTML with entities decoded and the narrow spaces cultures put in times made plain.</summary>
    private static string Decoded(string html) => WebUtility.HtmlDecode(html).Replace('\u202F', ' ').Replace('\u00A0', ' ');

    private static void AssertPrivatePage(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'none'; style-src 'sha256-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task TheLinkShowsTheOrderItsStatusDetailsItemsTotalAndHistoryInTheTenantsTime()
    {
        var shop = await app.TenantAsync(Unique("hk"), "Gesprek Demo Shop", "Asia/Hong_Kong");
        await app.ShippedOrderAsync(shop, "IQma2srqAkqb7YQ0uYwFnA");

        var (response, html) = await GetAsync((await app.LinkAsync(shop, "IQma2srqAkqb7YQ0uYwFnA")).PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPrivatePage(response);
        Assert.Contains("<h1>Order #IQma2srqAkqb7YQ0uYwFnA</h1>", html, StringComparison.Ordinal);
        Assert.Contains("Gesprek Demo Shop", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"status\">Shipped</span>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Carrier</dt><dd>DHL</dd><dt>Tracking No.</dt><dd>JD014600006281234567</dd>", html, StringComparison.Ordinal);
        Assert.Contains("Iphone 11 256GB Black", html, StringComparison.Ordinal);
        Assert.Contains("Qty: 2", html, StringComparison.Ordinal);
        Assert.Contains("HKD 6,899.00", html, StringComparison.Ordinal);
        Assert.Contains("HKD 149.50", html, StringComparison.Ordinal);
        Assert.Contains("<span>Total</span><span>HKD 7,198.00</span>", html, StringComparison.Ordinal);
        // History newest first, each at its local time: placed 2026-11-22 03:00 UTC = 11:00 in Hong Kong.
        var history = html[html.IndexOf("<h2>History</h2>", StringComparison.Ordinal)..];
        Assert.True(history.IndexOf("Shipped", StringComparison.Ordinal) < history.IndexOf("Processing", StringComparison.Ordinal));
        Assert.True(history.IndexOf("Paid", StringComparison.Ordinal) < history.IndexOf("Order Sent", StringComparison.Ordinal));
        Assert.Contains("datetime=\"2026-11-22T03:00:00Z\">November 22, 2026 11:00 AM</time>", Decoded(html), StringComparison.Ordinal);
        Assert.Contains("datetime=\"2026-11-23T05:00:00Z\">November 23, 2026 1:00 PM</time>", Decoded(html), StringComparison.Ordinal);
        Assert.Contains("Times in Asia/Hong_Kong time.", html, StringComparison.Ordinal);
        // Nothing the customer did not need: not their phone number.
        Assert.DoesNotContain("91234567", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TimesFollowTheTenantsZoneAndLanguage()
    {
        var shop = await app.TenantAsync(Unique("de"), "Laden", "Europe/Berlin", "de");
        await app.EventAsync(shop, "B-7", OrderStatus.Paid, new DateTimeOffset(2026, 7, 1, 12, 30, 0, TimeSpan.Zero));

        var (_, html) = await GetAsync((await app.LinkAsync(shop, "B-7")).PathAndQuery);

        Assert.Contains("<html lang=\"de\">", html, StringComparison.Ordinal);
        Assert.Contains(">1. Juli 2026 14:30</time>", Decoded(html), StringComparison.Ordinal); // summer time: UTC+2
    }

    [Fact]
    public async Task EveryValueFromTheOrderSystemIsEscaped()
    {
        var shop = await app.TenantAsync(Unique("xss"), "Shop <b>&</b>");
        await app.EventAsync(shop, "X-1", OrderStatus.OrderSent, TrackingApp.Start.AddHours(-1), new OrderDetails
        {
            Items = [new OrderItem("<script>alert(1)</script>", 1, 1m), new OrderItem("\"><img src=x onerror=alert(2)>", 1, 2m)],
            Currency = "<i>",
            Total = 3m,
        });
        await app.EventAsync(shop, "X-1", OrderStatus.Shipped, TrackingApp.Start, new OrderDetails { Carrier = "</dd><script>x()</script>", TrackingNumber = "'onclick='y()" });

        var (response, html) = await GetAsync((await app.LinkAsync(shop, "X-1")).PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("'onclick=", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Shop &lt;b&gt;&amp;&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryChangedCharacterGetsTheInvalidLinkPageAndNoOrder()
    {
        var shop = await app.TenantAsync(Unique("tp"), "Tamper Shop");
        await app.ShippedOrderAsync(shop, "T-1");
        var token = TrackingApp.TokenOf(await app.LinkAsync(shop, "T-1"));

        for (var i = 0; i < token.Length; i++)
        {
            var tampered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            var (response, html) = await GetAsync("/api/orders/track?token=" + tampered);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, $"char {i}: {response.StatusCode}");
            Assert.Contains("This tracking link is not valid", html, StringComparison.Ordinal);
            Assert.DoesNotContain("T-1", html, StringComparison.Ordinal);
            Assert.DoesNotContain("DHL", html, StringComparison.Ordinal);
            AssertPrivatePage(response);
        }
    }

    [Theory]
    [InlineData("/api/orders/track", 400, "This tracking link is incomplete")]
    [InlineData("/api/orders/track?token=", 400, "This tracking link is incomplete")]
    [InlineData("/api/orders/track?token=hello%20world", 400, "This tracking link is not valid")]
    [InlineData("/api/orders/track?token=AQAAAAEAAAAAaQ", 400, "This tracking link is not valid")]
    [InlineData("/api/orders/track?token=<script>", 400, "This tracking link is not valid")]
    public async Task AMissingOrMalformedTokenGetsA400Page(string pathAndQuery, int status, string title)
    {
        var (response, html) = await GetAsync(pathAndQuery);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        AssertPrivatePage(response);
    }

    [Fact]
    public async Task TwoTokensInOneLinkAreRefused()
    {
        var shop = await app.TenantAsync(Unique("two"), "Two Shop");
        await app.ShippedOrderAsync(shop, "W-1");
        var token = TrackingApp.TokenOf(await app.LinkAsync(shop, "W-1"));

        var (response, html) = await GetAsync($"/api/orders/track?token={token}&token={token}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("W-1", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredLinkGets410NamingTheShopButNotTheOrder()
    {
        var shop = await app.TenantAsync(Unique("ex"), "Expiring Shop");
        await app.ShippedOrderAsync(shop, "E-1");
        var link = await app.LinkAsync(shop, "E-1");
        var fresh = await GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, fresh.Response.StatusCode);

        app.Clock.Advance(TimeSpan.FromDays(30));
        var (response, html) = await GetAsync(link.PathAndQuery);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("This tracking link has expired", html, StringComparison.Ordinal);
        Assert.Contains("Expiring Shop", html, StringComparison.Ordinal);
        Assert.DoesNotContain("E-1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("DHL", html, StringComparison.Ordinal);
        AssertPrivatePage(response);
    }

    [Fact]
    public async Task ATenantsLinkShowsItsOwnOrderNeverAnotherTenantsWithTheSameId()
    {
        var a = await app.TenantAsync(Unique("a"), "Shop A");
        var b = await app.TenantAsync(Unique("b"), "Shop B");
        await app.ShippedOrderAsync(a, "1001", itemName: "Item of A");
        await app.ShippedOrderAsync(b, "1001", itemName: "Item of B");

        var (_, pageA) = await GetAsync((await app.LinkAsync(a, "1001")).PathAndQuery);
        var (_, pageB) = await GetAsync((await app.LinkAsync(b, "1001")).PathAndQuery);

        Assert.Contains("Item of A", pageA, StringComparison.Ordinal);
        Assert.DoesNotContain("Item of B", pageA, StringComparison.Ordinal);
        Assert.Contains("Item of B", pageB, StringComparison.Ordinal);
        Assert.DoesNotContain("Item of A", pageB, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenNamingAnotherTenantButSignedWithOnesOwnSecretGets403()
    {
        var a = await app.TenantAsync(Unique("a"), "Shop A");
        var b = await app.TenantAsync(Unique("b"), "Shop B");
        await app.ShippedOrderAsync(b, "2002", itemName: "Item of B");
        await app.LinkAsync(b, "2002"); // B has its secret
        var secretOfA = await app.Get<TrackingSecrets>().CurrentAsync(a.Id, default);

        var forged = TrackingToken.Create(new TrackingClaims(b.Id, "2002", secretOfA.Version, app.Clock.GetUtcNow().AddDays(1)), secretOfA.Key);
        var (response, html) = await GetAsync("/api/orders/track?token=" + forged);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("Item of B", html, StringComparison.Ordinal);
        Assert.DoesNotContain("2002", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALinkToAnOrderOrTenantThatIsGoneGets404()
    {
        var shop = await app.TenantAsync(Unique("gone"), "Gone Shop");
        await app.ShippedOrderAsync(shop, "G-1");
        await app.ShippedOrderAsync(shop, "G-2");
        var orderLink = await app.LinkAsync(shop, "G-1");
        var tenantLink = await app.LinkAsync(shop, "G-2");
        var unknownOrder = await app.LinkAsync(shop, "never-placed");

        await app.DeleteRowAsync(Order.Table, shop.Id, Order.RowKey("G-1"));
        var (orderGone, orderHtml) = await GetAsync(orderLink.PathAndQuery);
        var (neverPlaced, _) = await GetAsync(unknownOrder.PathAndQuery);
        await app.DeleteRowAsync(Tenant.Table, Tenant.Partition, shop.Id);
        var (tenantGone, tenantHtml) = await GetAsync(tenantLink.PathAndQuery);

        Assert.Equal(HttpStatusCode.NotFound, orderGone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, neverPlaced.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, tenantGone.StatusCode);
        Assert.Contains("This order is not available", orderHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("DHL", orderHtml + tenantHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("G-2", tenantHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePageNeedsNoKeyAndIgnoresOne()
    {
        var shop = await app.TenantAsync(Unique("anon"), "Anon Shop");
        await app.ShippedOrderAsync(shop, "N-1");
        using var request = new HttpRequestMessage(HttpMethod.Get, (await app.LinkAsync(shop, "N-1")).PathAndQuery);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wab_other.0000000000000000.bad");

        var response = await app.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OnlyGetIsAnswered()
    {
        var response = await app.Http.PostAsync("/api/orders/track?token=x", new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
