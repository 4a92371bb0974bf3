using System.Net;
using System.Net.Http.Json;
using Functions.Orders;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// <c>GET /api/orders/{orderId}</c> and <c>GET /api/orders</c> on the whole app in driven mode:
/// an order comes with its history and the messages sent for it; lists filter by current status
/// and status time, newest first, and paging neither skips nor repeats an order. Tenant "tw" is
/// used so the lists hold only this class's orders.
/// </summary>
public sealed class OrdersApiTests(OrdersApiTests.DrivenApp driven) : IClassFixture<OrdersApiTests.DrivenApp>
{
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public HttpClient Orders { get; private set; } = null!;

        /// <summary>Ten orders, one minute apart (the oldest two hours before the clock), alternating paid and shipped.</summary>
        public IReadOnlyList<(string Id, OrderStatus Status, DateTimeOffset At)> Placed { get; private set; } = [];

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync(driven: true);
            await App.ApproveDefaultTemplatesAsync("tw");
            Orders = await App.ClientAsync("tw", "orders");
            var start = App.Clock!.GetUtcNow().AddHours(-2);
            var placed = new List<(string, OrderStatus, DateTimeOffset)>();
            for (var i = 0; i < 10; i++)
            {
                var (id, at) = ($"L-{i:D2}", start.AddMinutes(i));
                var status = i % 2 == 0 ? OrderStatus.Paid : OrderStatus.Shipped;
                (await Orders.PostEventAsync(OrdersApp.Event(id, OrderStatus.OrderSent, $"+4670661{i:D4}", at.AddSeconds(-30)))).EnsureSuccessStatusCode();
                (await Orders.PostEventAsync(OrdersApp.Event(id, status, $"+4670661{i:D4}", at))).EnsureSuccessStatusCode();
                placed.Add((id, status, at));
            }
            await App.RunSendsAsync();
            Placed = placed;
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;

    private async Task<List<string>> AllPagesAsync(string query, int pageSize)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var url = $"/api/orders?{query}&pageSize={pageSize}" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token));
            var page = (await _app.TwilioAdmin.GetFromJsonAsync<OrderPage>(url, TestJson.Options))!;
            Assert.True(page.Orders.Count <= pageSize);
            ids.AddRange(page.Orders.Select(o => o.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);
        return ids;
    }

    [Fact]
    public async Task AnOrderComesWithItsHistoryAndTheMessagesSentForIt()
    {
        var order = await _app.TwilioAdmin.GetOrderAsync("L-03");

        Assert.Equal((OrderStatus.Shipped, "DHL", "1234", 6899.00m), (order.Status, order.Carrier, order.TrackingNumber, order.Total));
        Assert.Equal([OrderStatus.OrderSent, OrderStatus.Shipped], order.History!.Select(h => h.Status));
        Assert.All(order.History!, h => Assert.Equal(NotificationOutcome.Sent, h.Notification.Outcome));
        Assert.Equal(2, order.Messages!.Count);
        Assert.Equal(order.History!.SelectMany(h => h.Notification.Messages).Select(m => m.Id).Order(), order.Messages!.Select(m => m.Id).Order());
        Assert.All(order.Messages!, m => Assert.NotNull(m.ConversationId));
    }

    [Fact]
    public async Task AnUnknownOrMalformedOrderIdIs404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _app.TwilioAdmin.GetAsync("/api/orders/NOPE-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.TwilioAdmin.GetAsync("/api/orders/%20bad")).StatusCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(200)]
    public async Task PagingListsEveryOrderOnceNewestFirst(int pageSize)
    {
        var ids = await AllPagesAsync("from=2000-01-01T00:00:00Z", pageSize);

        Assert.Equal(driven.Placed.OrderByDescending(p => p.At).Select(p => p.Id), ids);
    }

    [Fact]
    public async Task ByStatusListsOnlyOrdersWhoseCurrentStatusItIs()
    {
        var shipped = await AllPagesAsync("status=shipped", 2);

        Assert.Equal(driven.Placed.Where(p => p.Status == OrderStatus.Shipped).OrderByDescending(p => p.At).Select(p => p.Id), shipped);
        Assert.Empty(await AllPagesAsync("status=orderSent", 2)); // every order moved on from it
    }

    [Fact]
    public async Task ADateRangeIncludesFromAndExcludesTo()
    {
        var (from, to) = (driven.Placed[2].At, driven.Placed[6].At);

        var ids = await AllPagesAsync($"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", 2);
        var paid = await AllPagesAsync($"status=paid&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", 1);

        Assert.Equal(["L-05", "L-04", "L-03", "L-02"], ids);
        Assert.Equal(["L-04", "L-02"], paid);
    }

    [Theory]
    [InlineData("status=lost", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=12", "to")]
    [InlineData("from=2026-11-23T09:00:00Z&to=2026-11-22T09:00:00Z", "from")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("continuationToken=not-one-of-ours", "continuationToken")]
    public async Task ABadQueryIs400NamingTheParameter(string query, string field)
    {
        var response = await _app.TwilioAdmin.GetAsync("/api/orders?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await SendingApp.ReadProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }
}
