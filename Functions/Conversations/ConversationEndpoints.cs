using System.Security.Claims;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Conversations;

/// <summary>A conversation with its care window (state, expiry, seconds left) and its messages, newest first.</summary>
public static class ConversationEndpoints
{
    public static FunctionCatalog AddConversationFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("GetConversation", "GET", "conversations/{conversationId}", GetConversationAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListConversationMessages", "GET", "conversations/{conversationId}/messages", ListMessagesAsync, TenantAccess.AdminOrAgent);
    }

    public static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> GetConversationAsync(
        string conversationId, ClaimsPrincipal user, ConversationStore conversations, TimeProvider time, CancellationToken cancellationToken) =>
        await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is { } conversation
            ? TypedResults.Ok(ConversationView.Of(conversation, time.GetUtcNow()))
            : NotFound();

    public static async Task<Results<Ok<MessagePage>, ValidationProblem, ProblemHttpResult>> ListMessagesAsync(
        string conversationId, ClaimsPrincipal user, ConversationStore conversations, CancellationToken cancellationToken,
        int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        if (await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is null)
        {
            return NotFound();
        }
        try
        {
            var (messages, next) = await conversations.ListMessagesAsync(user.TenantId(), conversationId, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new MessagePage([.. messages.Select(m => MessageView.Of(m))], next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such conversation.", detail: "This tenant has no conversation with that id.");
}
