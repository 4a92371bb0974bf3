using Functions.Hosting;
using Functions.Storage;

namespace Functions.Orders.Tracking;

public static class TrackingExtensions
{
    /// <summary>Tracking links (for order notifications) and the public tracking page.</summary>
    public static IHostApplicationBuilder AddOrderTracking(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(TrackingSecrets.Table);
        builder.Services.AddSingleton<TrackingSecrets>();
        builder.Services.AddSingleton<OrderTracking>();
        builder.Services.AddSettings<TrackingOptions>(TrackingOptions.Section, o => o.Problems());
        builder.GetFunctionCatalog().AddTrackingFunctions();
        return builder;
    }
}
