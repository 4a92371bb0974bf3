using Functions.Orders;
using Microsoft.Playwright;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// The tracking page as a customer's phone shows it: rendered by a real headless Chromium from
/// the app on 127.0.0.1, its visible text checked, no sideways scrolling at phone width, its
/// style sheet allowed by its own Content-Security-Policy, and screenshots kept under
/// <see cref="ChromiumBrowser.ArtifactsDirectory"/>.
/// </summary>
public sealed class TrackingPageBrowserTests : IClassFixture<TrackingApp>, IClassFixture<ChromiumBrowser>
{
    private readonly TrackingApp _app;
    private readonly ChromiumBrowser _chromium;

    public TrackingPageBrowserTests(TrackingApp app, ChromiumBrowser chromium)
    {
        _app = app;
        _chromium = chromium;
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private static async Task<(IPage Page, int Status, List<string> Errors)> OpenAsync(ChromiumBrowser chromium, Uri url)
    {
        var page = await chromium.NewPhonePageAsync();
        var errors = new List<string>();
        // A style the policy refused, or anything else the page got wrong, shows as a console error.
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add(message.Text); };
        page.PageError += (_, error) => { lock (errors) errors.Add(error); };
        var response = await page.GotoAsync(url.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.NotNull(response);
        return (page, response.Status, errors);
    }

    private static Task<bool> ScrollsSidewaysAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth");

    [Fact]
    public async Task APhoneShowsTheOrderWithItsStatusHistoryItemsCarrierAndTrackingNumber()
    {
        var shop = await _app.TenantAsync(Unique("br"), "Gesprek Demo Shop");
        // A long unbroken name, as order systems send, must wrap rather than widen the page.
        await _app.ShippedOrderAsync(shop, "IQma2srqAkqb7YQ0uYwFnA", itemName: "Iphone 11 256GB Black <script>alert(1)</script> " + new string('W', 80));
        var (page, status, errors) = await OpenAsync(_chromium, await _app.LinkAsync(shop, "IQma2srqAkqb7YQ0uYwFnA"));

        var text = await page.InnerTextAsync("body");

        Assert.Equal(200, status);
        Assert.Contains("Order #IQma2srqAkqb7YQ0uYwFnA", text, StringComparison.Ordinal);
        Assert.Equal("Shipped", await page.InnerTextAsync(".status"));
        Assert.Contains("DHL", text, StringComparison.Ordinal);
        Assert.Contains("JD014600006281234567", text, StringComparison.Ordinal);
        Assert.Contains("Iphone 11 256GB Black <script>alert(1)</script>", text, StringComparison.Ordinal); // shown as text, never run
        Assert.Contains("Qty: 2", text, StringComparison.Ordinal);
        Assert.Contains("HKD 7,198.00", text, StringComparison.Ordinal);
        var history = await page.Locator("ol li strong").AllInnerTextsAsync();
        Assert.Equal(["Shipped", "Processing", "Paid", "Order Sent"], history);
        Assert.Contains("November 23, 2026", text, StringComparison.Ordinal);
        Assert.False(await ScrollsSidewaysAsync(page), "The page scrolls sideways at 390 px.");
        // The inline style applied (its hash is in the policy): the status is a green badge.
        Assert.Equal("rgb(218, 251, 225)", await page.EvalOnSelectorAsync<string>(".status", "e => getComputedStyle(e).backgroundColor"));
        Assert.Empty(errors);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChromiumBrowser.ArtifactsDirectory, "tracking-page.png"), FullPage = true });
        Assert.True(new FileInfo(Path.Combine(ChromiumBrowser.ArtifactsDirectory, "tracking-page.png")).Length > 1000);
    }

    [Fact]
    public async Task ATamperedLinkShowsTheInvalidLinkPageAndNoOrder()
    {
        var shop = await _app.TenantAsync(Unique("bt"), "Tamper Shop");
        await _app.ShippedOrderAsync(shop, "T-77");
        var link = await _app.LinkAsync(shop, "T-77");
        var token = TrackingApp.TokenOf(link);
        var at = token.Length - 10; // in the signature: well formed, but not signed by the shop
        var tampered = token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];

        var (page, status, errors) = await OpenAsync(_chromium, new Uri(_app.BaseUrl, "/api/orders/track?token=" + tampered));

        var text = await page.InnerTextAsync("body");
        Assert.Equal(403, status);
        Assert.Contains("This tracking link is not valid", text, StringComparison.Ordinal);
        Assert.DoesNotContain("T-77", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DHL", text, StringComparison.Ordinal);
        Assert.False(await ScrollsSidewaysAsync(page));
        // The 403 itself is logged by the browser as a failed resource; nothing else may be.
        Assert.All(errors, e => Assert.StartsWith("Failed to load resource: the server responded with a status of 403", e, StringComparison.Ordinal));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChromiumBrowser.ArtifactsDirectory, "tracking-page-invalid-link.png"), FullPage = true });
    }
}
