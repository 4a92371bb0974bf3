using Functions.Storage;

namespace Functions.Conversations;

public static class ConversationsExtensions
{
    public static IHostApplicationBuilder AddConversations(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Conversation.Table, ConversationMessage.Table);
        builder.Services.AddSingleton<ConversationStore>();
        return builder;
    }
}
