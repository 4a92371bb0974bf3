using Functions.Hosting;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Events;

public static class EventsExtensions
{
    /// <summary>Outgoing events: the publisher, the subscriptions API, and the fan-out and delivery queue functions.</summary>
    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout()
            .AddTables(EventSubscription.Table, StoredEvent.Table, EventDelivery.Table)
            .AddQueues(TenantEvents.Queue, FanOutEventHandler.DeliveryQueue);
        builder.Services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section)
            .Validate(o => o.Timeout >= TimeSpan.FromSeconds(1) && o.Timeout <= TimeSpan.FromMinutes(1), "Events:Timeout must be between 00:00:01 and 00:01:00.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 30, "Events:MaxAttempts must be between 1 and 30.")
            .Validate(o => o.RetryBaseDelay >= TimeSpan.Zero && o.RetryBaseDelay <= TimeSpan.FromHours(1), "Events:RetryBaseDelay must be between 00:00:00 and 01:00:00.")
            .Validate(o => o.RetryMaxDelay >= o.RetryBaseDelay && o.RetryMaxDelay <= EventsOptions.MaxRetryAfter, "Events:RetryMaxDelay must be between Events:RetryBaseDelay and 1.00:00:00.")
            .Validate(o => o.RetentionDays is >= 1 and <= 365, "Events:RetentionDays must be between 1 and 365.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TenantEvents>();
        builder.Services.AddSingleton<EventSubscriptions>();
        builder.Services.AddSingleton(sp => new EventSender(
            EventSender.CreateHttpClient(sp.GetRequiredService<IOptions<EventsOptions>>().Value.AllowPrivateNetworks), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddScoped<FanOutEventHandler>();
        builder.Services.AddScoped<DeliverEventHandler>();
        builder.Services.AddScoped<PurgeEventsHandler>();
        builder.GetFunctionCatalog()
            .AddSubscriptionFunctions()
            .AddQueue<FanOutEventHandler>("FanOutEvent", TenantEvents.Queue)
            .AddQueue<DeliverEventHandler>("DeliverEvent", FanOutEventHandler.DeliveryQueue)
            .AddTimer<PurgeEventsHandler>("PurgeEvents", "0 45 3 * * *");
        return builder;
    }
}
