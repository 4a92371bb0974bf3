using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Orders;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// An event's <c>occurredAt</c> long before any order system existed is a 400 naming it and records
/// nothing (Table Storage cannot store a time before 1601, and some calendars the tracking page
/// shows times in start in 1900), while a time of this century is recorded and its page shows.
/// </summary>
public sealed class OrderEventTimeTests(OrderEventTimeTests.App app) : IClassFixture<OrderEventTimeTests.App>
{
    /// <summary>One app for the class: every test uses a tenant of its own.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TenantApiFixture Api { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    private async Task<(string Tenant, HttpClient Admin)> TenantAsync()
    {
        var tenant = "oet" + Guid.NewGuid().ToString("N")[..8];
        return (tenant, app.Api.Client(await app.Api.NewTenantKeyAsync(tenant)));
    }

    private static object Paid(string orderId, string occurredAt, string? language = null) => new
    {
        eventId = "paid-" + orderId,
        orderId,
        status = "paid",
        occurredAt,
        customerPhone = "+46705519999",
        language,
    };

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1500-06-01T00:00:00Z")]
    [InlineData("1850-01-01T00:00:00Z")]
    [InlineData("1999-12-31T23:59:59Z")]
    public async Task AnEventFromBeforeThisCenturyIs400NamingOccurredAtAndRecordsNothing(string occurredAt)
    {
        var (_, admin) = await TenantAsync();

        var response = await admin.PostAsJsonAsync("/api/orders/events", Paid("OLD-1", occurredAt));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("occurredAt", out _), problem.ToString());
        Assert.Empty((await admin.GetFromJsonAsync<OrderPage>("/api/orders", TestJson.Options))!.Orders);
    }

    [Fact]
    public async Task AnEventFromTheStartOfThisCenturyIsRecorded()
    {
        var (id, admin) = await TenantAsync();

        var response = await admin.PostAsJsonAsync("/api/orders/events", Paid("Y2K-1", "2000-01-01T00:00:00Z", "ar_SA"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), (await admin.GetOrderAsync("Y2K-1")).StatusAt);
        // The customer's page shows it in their language's calendar (Um al-Qura for ar_SA).
        var tenant = (await app.Api.App.Get<Functions.Tenants.TenantDirectory>().FindAsync(id, default))!;
        var link = await app.Api.App.Get<Functions.Orders.Tracking.OrderTracking>().LinkAsync(tenant, "Y2K-1", default);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(link.PathAndQuery)).StatusCode);
    }
}
