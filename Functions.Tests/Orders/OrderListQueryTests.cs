using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Orders;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// <c>GET /api/orders</c> at the edges of its query: a value that is not a number or a time is a
/// 400 naming its parameter, and a range at the very start of time is an empty list, not an error
/// blamed on another parameter.
/// </summary>
public sealed class OrderListQueryTests(OrderListQueryTests.App app) : IClassFixture<OrderListQueryTests.App>
{
    private readonly TenantApiFixture _api = app.Api;

    /// <summary>One app for the class with one tenant holding one paid order.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TenantApiFixture Api { get; } = new();
        public HttpClient Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Admin = Api.Client(await Api.NewTenantKeyAsync("olq" + Guid.NewGuid().ToString("N")[..8]));
            var posted = await Admin.PostAsJsonAsync("/api/orders/events", new
            {
                eventId = "q-1", orderId = "Q-1", status = "paid", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1), customerPhone = "+46705519999",
            });
            posted.EnsureSuccessStatusCode();
        }

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    [Theory]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("pageSize=99999999999", "pageSize")]
    [InlineData("to=0001-01-01T00:00:00Z&pageSize=x", "pageSize")]
    public async Task ANonNumberIs400NamingTheParameter(string query, string field)
    {
        var response = await app.Admin.GetAsync("/api/orders?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"names {field}: {problem}");
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("from=0001-01-01T00:00:00Z&to=0001-01-01T00:00:00Z")]
    [InlineData("status=paid&to=0001-01-01T00:00:00Z")]
    public async Task ARangeEndingAtTheStartOfTimeIsEmpty(string query)
    {
        var response = await app.Admin.GetAsync("/api/orders?" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty((await response.Content.ReadFromJsonAsync<OrderPage>(TestJson.Options))!.Orders);
    }

    [Theory]
    [InlineData("from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("pageSize=")]
    public async Task ARangeToTheEndOfTimeOrAnEmptyPageSizeHoldsTheOrder(string query)
    {
        var page = (await app.Admin.GetFromJsonAsync<OrderPage>("/api/orders?" + query, TestJson.Options))!;

        Assert.Equal(["Q-1"], page.Orders.Select(o => o.Id));
    }
}
