using Functions.Storage;

namespace Functions.Orders;

public static class OrdersExtensions
{
    public static IHostApplicationBuilder AddOrders(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Order.Table);
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<OrderSettingsStore>();
        return builder;
    }
}
