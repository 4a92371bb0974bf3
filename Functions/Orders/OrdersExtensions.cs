using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;

namespace Functions.Orders;

public static class OrdersExtensions
{
    /// <summary>Order events, notifications, the orders API and settings, and the default order templates.</summary>
    public static IHostApplicationBuilder AddOrders(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Order.Table);
        builder.Services.AddSettings<OrderOptions>(OrderOptions.Section, _ => OrderOptions.Problems());
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<OrderSettingsStore>();
        builder.Services.AddSingleton<OrderNotifications>();
        builder.Services.AddSingleton<OrderTemplateSetup>();
        builder.Services.AddScoped<PendingNotificationsTimer>();
        builder.Services.AddSingleton<ITenantSetup>(sp => sp.GetRequiredService<OrderTemplateSetup>());
        builder.GetFunctionCatalog()
            .AddHttp("PostOrderEvent", "POST", "orders/events", OrderEndpoints.PostEventAsync,
                e => { OrderEndpoints.OrdersOrAdmin(e); e.WithMetadata(OrderEndpoints.EventBodyLimit); })
            .AddHttp("ListOrders", "GET", "orders", OrderEndpoints.ListOrdersAsync, OrderEndpoints.AnyTenantRole)
            .AddHttp("GetOrderSettings", "GET", "orders/settings", OrderEndpoints.GetSettingsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("PutOrderSettings", "PUT", "orders/settings", OrderEndpoints.PutSettingsAsync, TenantAccess.Admin)
            .AddHttp("CreateDefaultOrderTemplates", "POST", "orders/templates", OrderEndpoints.CreateDefaultTemplatesAsync, TenantAccess.Admin)
            .AddHttp("GetOrder", "GET", "orders/{orderId}", OrderEndpoints.GetOrderAsync, OrderEndpoints.AnyTenantRole)
            .AddQueue<OrderTemplateSetupHandler>("SetUpOrderTemplates", OrderTemplateSetup.Queue)
            .AddTimer<PendingNotificationsTimer>("FinishPendingOrderNotifications", PendingNotificationsTimer.Schedule);
        return builder;
    }
}
