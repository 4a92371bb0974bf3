using System.Web;
using Functions.Hosting;
using Functions.Orders;
using Functions.Orders.Tracking;
using Functions.Storage;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// The whole app on Kestrel at 127.0.0.1 (real HTTP, so a browser can open its pages), in
/// custom-handler mode with a manual clock (no runner polls), and helpers to put tenants and
/// orders in place the way order events leave them. Tracking links point at this server.
/// </summary>
public sealed class TrackingApp : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly FunctionsAppFactory _app;
    private int _events;

    public TrackingApp()
    {
        var port = AppProcess.FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        Clock = new ManualTimeProvider(Start);
        _app = new FunctionsAppFactory(
            new Dictionary<string, string?>
            {
                [HostingEnvironment.PortSetting] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orders:TrackingBaseUrl"] = BaseUrl.ToString(),
                ["Orders:TrackingLinkLifetime"] = "30.00:00:00",
            },
            configureServices: services => services.AddSingleton<TimeProvider>(Clock));
        _app.UseKestrel();
        Http = new HttpClient { BaseAddress = BaseUrl };
    }

    public Uri BaseUrl { get; }

    public ManualTimeProvider Clock { get; }

    public HttpClient Http { get; }

    public T Get<T>() where T : notnull => _app.Get<T>();

    public Task InitializeAsync()
    {
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.DisposeAsync();
    }

    public async Task<Tenant> TenantAsync(string id, string name, string timeZone = "Asia/Hong_Kong", string language = "en")
    {
        var tenant = new Tenant(id, name, timeZone, language, null, null, ProviderSettings.Sandbox, Start, Start);
        Assert.True(await Get<TenantDirectory>().TryCreateAsync(tenant, default));
        return tenant;
    }

    /// <summary>Records an order event as the order system would post it.</summary>
    public async Task<Order> EventAsync(Tenant tenant, string orderId, OrderStatus status, DateTimeOffset occurredAt, OrderDetails? details = null)
    {
        var eventId = $"evt-{Interlocked.Increment(ref _events)}";
        var recorded = await Get<OrderStore>().RecordAsync(tenant.Id, new OrderEventInput(
            eventId, orderId, status, occurredAt, "+85291234567", "Chan Tai Man", null, details ?? new OrderDetails(), eventId), default);
        return recorded.Order;
    }

    public Task<Uri> LinkAsync(Tenant tenant, string orderId) => Get<OrderTracking>().LinkAsync(tenant, orderId, default);

    public static string TokenOf(Uri link) => HttpUtility.ParseQueryString(link.Query)["token"]!;

    /// <summary>An order through its first four statuses: placed, paid, processing, shipped with DHL.</summary>
    public async Task<Order> ShippedOrderAsync(Tenant tenant, string orderId, string itemName = "Iphone 11 256GB Black")
    {
        var placed = Start.AddHours(-30);
        await EventAsync(tenant, orderId, OrderStatus.OrderSent, placed, new OrderDetails
        {
            Items = [new OrderItem(itemName, 1, 6899m), new OrderItem("USB-C cable", 2, 149.5m)],
            Currency = "HKD",
            Total = 7198m,
        });
        await EventAsync(tenant, orderId, OrderStatus.Paid, placed.AddMinutes(5));
        await EventAsync(tenant, orderId, OrderStatus.Processing, placed.AddHours(2));
        return await EventAsync(tenant, orderId, OrderStatus.Shipped, placed.AddHours(26), new OrderDetails { Carrier = "DHL", TrackingNumber = "JD014600006281234567" });
    }

    /// <summary>Removes a row as an erasure would (the tenant or the order is gone).</summary>
    public Task DeleteRowAsync(string table, string partition, string row) =>
        Get<ITableStore>().DeleteAsync(table, partition, row, Azure.ETag.All);
}
