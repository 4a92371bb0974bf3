using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Functions.Channels.Sandbox;
using Functions.Orders;
using Functions.Templates;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// The seam between notifications and the page: the link a customer gets in an order
/// notification opens the page of that order (a sandbox tenant with its default order
/// templates, approved by the sandbox; the standalone runners send in real time).
/// </summary>
public sealed partial class TrackingLinkEndToEndTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new(new Dictionary<string, string?>
    {
        ["Orders:DefaultTemplates"] = "true",
        ["Templates:SandboxReviewAfter"] = "00:00:00",
        ["Queues:MaxPollingInterval"] = "00:00:00.100",
        ["Outbound:RecipientInterval"] = "00:00:00",
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task TheLinkInAShippedNotificationOpensThatOrdersPage()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("e2e"));
        var orders = (await _api.Operator().PostAsJsonAsync("/api/operator/tenants/e2e/keys", new { role = "orders" })).EnsureSuccessStatusCode();
        var ordersClient = _api.Client((await orders.Content.ReadFromJsonAsync<Functions.Tenants.CreatedApiKey>(TestJson.Options))!.Key);
        var store = _api.App.Get<TemplateStore>();
        await EventuallyAsync(async () => (await store.VersionsAsync("e2e", DefaultOrderTemplates.Name(OrderStatus.Shipped), "en", default))
            .Any(v => v.Template.Status == TemplateStatus.Approved) ? "approved" : null, "the default shipped template's approval");

        (await ordersClient.PostAsJsonAsync("/api/orders/events", new
        {
            eventId = "evt-e2e-1", orderId = "E2E-1042", status = "shipped", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            customerPhone = "+85291234567", carrier = "DHL", trackingNumber = "JD0146000062",
        })).EnsureSuccessStatusCode();
        var sent = await EventuallyAsync(async () =>
        {
            var page = await admin.GetFromJsonAsync<SandboxMessagePage>("/api/sandbox/messages", TestJson.Options);
            return page!.Items.FirstOrDefault(m => m.Template is not null);
        }, "the notification at the sandbox");

        var link = sent.Template!.Variables.Values.Select(v => TrackLink().Match(v)).Single(m => m.Success).Value;
        var response = await _api.Client(null).GetAsync(new Uri(link).PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<h1>Order #E2E-1042</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<dd>DHL</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dd>JD0146000062</dd>", html, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^https?://[^\s/]+/api/orders/track\?token=[A-Za-z0-9_-]+$")]
    private static partial Regex TrackLink();
}
