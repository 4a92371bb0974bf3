using Functions.Hosting;
using Functions.Storage;

namespace Functions.Conversations;

public static class ConversationsExtensions
{
    public static IHostApplicationBuilder AddConversations(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable, ConversationEvent.Table);
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<InboxCatalog>();
        builder.Services.AddSingleton<InboxActions>();
        builder.Services.AddOptions<CareWindowOptions>().BindConfiguration(CareWindowOptions.Section)
            .Validate(o => o.ReminderBefore is null || (o.ReminderBefore > TimeSpan.Zero && o.ReminderBefore < CareWindow.Length),
                "CareWindow:ReminderBefore must be between 00:00:01 and 23:59:59 (or unset).")
            .ValidateOnStart();
        builder.Services.AddScoped<CareWindowTimer>();
        builder.GetFunctionCatalog()
            .AddConversationFunctions()
            .AddInboxCatalogFunctions()
            .AddTimer<SweepInboxIndexHandler>("SweepInboxIndex", "0 */30 * * * *")
            .AddQueue<CareWindowTimer>("CareWindowTimer", CareWindowTimer.Queue);
        return builder;
    }
}
