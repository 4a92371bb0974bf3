using System.Net;
using System.Net.Http.Json;
using Functions.Orders;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// Order ids that <c>GET /api/orders/{orderId}</c> could never reach, because another orders route
/// has that name (<c>settings</c>, <c>track</c>; routes match whatever the case), are refused when
/// the first event names them, so no order is stored that its own API cannot read.
/// </summary>
public sealed class OrderIdRouteTests(OrderIdRouteTests.App app) : IClassFixture<OrderIdRouteTests.App>
{
    private readonly TenantApiFixture _api = app.Api;

    /// <summary>One app for the class: every test uses a tenant of its own.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TenantApiFixture Api { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    private async Task<HttpClient> AdminAsync() => _api.Client(await _api.NewTenantKeyAsync("oid" + Guid.NewGuid().ToString("N")[..8]));

    private static object Paid(string orderId) => new
    {
        eventId = "paid-" + orderId,
        orderId,
        status = "paid",
        occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        customerPhone = "+46705519999",
    };

    [Theory]
    [InlineData("settings")]
    [InlineData("Settings")]
    [InlineData("track")]
    [InlineData("TRACK")]
    public async Task AnOrderIdThatIsAnotherOrdersRouteIs400AndRecordsNothing(string orderId)
    {
        var admin = await AdminAsync();

        var response = await admin.PostAsJsonAsync("/api/orders/events", Paid(orderId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Contains(orderId.ToLowerInvariant(), problem.GetProperty("errors").GetProperty("orderId")[0].GetString(), StringComparison.Ordinal);
        var page = (await admin.GetFromJsonAsync<OrderPage>("/api/orders", TestJson.Options))!;
        Assert.Empty(page.Orders);
    }

    [Theory]
    [InlineData("events")]
    [InlineData("templates")]
    [InlineData("tracking")]
    [InlineData("settings-2")]
    public async Task AnOrderIdLikeARouteButNotOneIsAcceptedAndReadable(string orderId)
    {
        var admin = await AdminAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("/api/orders/events", Paid(orderId))).StatusCode);

        Assert.Equal(orderId, (await admin.GetOrderAsync(orderId)).Id);
    }
}
