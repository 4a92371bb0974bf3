using Functions.Storage;

namespace Functions.Events;

public static class EventsExtensions
{
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddQueues(TenantEvents.Queue);
        builder.Services.AddSingleton<TenantEvents>();
        return builder;
    }
}
