using Functions.Hosting;
using Functions.Storage;

namespace Functions.Webhooks;

public static class WebhooksExtensions
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(WebhookEvent.Table);
        builder.Services.AddSingleton<WebhookInbox>();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.GetFunctionCatalog()
            .AddWebhookFunctions()
            .AddQueue<ProcessWebhookEventHandler>("ProcessWebhookEvent", WebhookInbox.Queue)
            .AddTimer<PurgeWebhookEventsHandler>("PurgeWebhookEvents", "0 30 3 * * *");
        return builder;
    }
}
