using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Hosting;

/// <summary>
/// The platform operator's view of the poison queues (DESIGN §7): list them with the reasons, read
/// one message, replay it onto its queue or discard it. Operator only: messages belong to any tenant
/// and carry personal data, so lists never show message text; only reading one message does.
/// <c>{queue}</c> is a queue function's queue (not its <c>-poison</c> queue).
/// </summary>
public static class PoisonMessageEndpoints
{
    private const string Route = "operator/poison-messages";

    public static FunctionCatalog AddPoisonMessageFunctions(this FunctionCatalog catalog)
    {
        static void OperatorOnly(RouteHandlerBuilder e) => e.RequireAuthorization(p => p.RequireRole(ApiKeyAuthentication.OperatorRole));
        return catalog
            .AddHttp("ListPoisonMessages", "GET", Route, ListPoisonMessagesAsync, OperatorOnly)
            .AddHttp("GetPoisonMessage", "GET", Route + "/{queue}/{messageId}", GetPoisonMessageAsync, OperatorOnly)
            .AddHttp("ReplayPoisonMessage", "POST", Route + "/{queue}/{messageId}/replay", ReplayPoisonMessageAsync, OperatorOnly)
            .AddHttp("DiscardPoisonMessage", "DELETE", Route + "/{queue}/{messageId}", DiscardPoisonMessageAsync, OperatorOnly);
    }

    /// <summary>Every queue function's poison queue, or just <paramref name="queue"/>'s: its size and the messages at its front, without their text.</summary>
    public static async Task<Results<Ok<PoisonQueueList>, ValidationProblem>> ListPoisonMessagesAsync(
        FunctionCatalog catalog, PoisonMessages poison, CancellationToken cancellationToken, string? queue = null)
    {
        var functions = catalog.QueueFunctions.ToList();
        if (queue is not null)
        {
            if (FindFunction(catalog, queue) is not { } function)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["queue"] = [UnknownQueueDetail(catalog, queue)] },
                    title: "No such queue.");
            }
            functions = [function];
        }
        var views = new List<PoisonQueueView>();
        foreach (var function in functions)
        {
            var contents = await poison.ListAsync(function, cancellationToken);
            views.Add(new PoisonQueueView(function.QueueName, function.PoisonQueueName, function.Name, contents.Count,
                [.. contents.Messages.Select(PoisonMessageView.Of)]));
        }
        return TypedResults.Ok(new PoisonQueueList(views));
    }

    /// <summary>One message with its text, if it is among the first ones of its poison queue (those a list shows).</summary>
    public static async Task<Results<Ok<PoisonMessageDetails>, ProblemHttpResult>> GetPoisonMessageAsync(
        string queue, string messageId, FunctionCatalog catalog, PoisonMessages poison, CancellationToken cancellationToken)
    {
        if (FindFunction(catalog, queue) is not { } function)
        {
            return UnknownQueue(catalog, queue);
        }
        return await poison.FindAsync(function, messageId, cancellationToken) is { } message
            ? TypedResults.Ok(PoisonMessageDetails.Of(message))
            : NoSuchMessage(function, messageId,
                $"It is not among the first {PoisonMessages.PeekLimit} visible messages of '{function.PoisonQueueName}'.");
    }

    /// <summary>Puts the message back on its queue (a new message, the same text) and removes it from the poison queue.</summary>
    public static async Task<Results<Accepted<ReplayedPoisonMessage>, ProblemHttpResult>> ReplayPoisonMessageAsync(
        string queue, string messageId, FunctionCatalog catalog, PoisonMessages poison, CancellationToken cancellationToken)
    {
        if (FindFunction(catalog, queue) is not { } function)
        {
            return UnknownQueue(catalog, queue);
        }
        var result = await poison.ReplayAsync(function, messageId, cancellationToken);
        return result.Outcome switch
        {
            PoisonMessageOutcome.Done => TypedResults.Accepted((string?)null, new ReplayedPoisonMessage(function.QueueName, messageId, result.ReplayedMessageId!)),
            PoisonMessageOutcome.LeaseLost => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Replayed, but still in the poison queue.",
                detail: $"The message was put back on '{function.QueueName}' as '{result.ReplayedMessageId}', but it could not be removed from "
                    + $"'{function.PoisonQueueName}' in time. Discard it there."),
            _ => NotFound(function, messageId, result.Outcome),
        };
    }

    /// <summary>Deletes the message from the poison queue for good.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DiscardPoisonMessageAsync(
        string queue, string messageId, FunctionCatalog catalog, PoisonMessages poison, CancellationToken cancellationToken)
    {
        if (FindFunction(catalog, queue) is not { } function)
        {
            return UnknownQueue(catalog, queue);
        }
        var result = await poison.DiscardAsync(function, messageId, cancellationToken);
        return result.Outcome switch
        {
            PoisonMessageOutcome.Done => TypedResults.NoContent(),
            PoisonMessageOutcome.LeaseLost => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not discarded.",
                detail: $"The message could not be removed from '{function.PoisonQueueName}' in time; try again."),
            _ => NotFound(function, messageId, result.Outcome),
        };
    }

    private static QueueFunction? FindFunction(FunctionCatalog catalog, string queue) =>
        catalog.QueueFunctions.FirstOrDefault(f => f.QueueName == queue);

    private static ProblemHttpResult UnknownQueue(FunctionCatalog catalog, string queue) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such queue.", detail: UnknownQueueDetail(catalog, queue));

    private static string UnknownQueueDetail(FunctionCatalog catalog, string queue) =>
        $"'{Shorten(queue)}' is not the queue of a queue function. The queues are: {string.Join(", ", catalog.QueueFunctions.Select(f => f.QueueName))}.";

    private static ProblemHttpResult NotFound(QueueFunction function, string messageId, PoisonMessageOutcome outcome) =>
        NoSuchMessage(function, messageId, outcome == PoisonMessageOutcome.SearchLimitReached
            ? $"It was not among the first {PoisonMessages.SearchLimit} messages received from '{function.PoisonQueueName}'; discard others first, or try again."
            : $"'{function.PoisonQueueName}' does not hold it (it may have been replayed or discarded, or another request holds it right now).");

    private static ProblemHttpResult NoSuchMessage(QueueFunction function, string messageId, string why) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such poison message.",
            detail: $"No message '{Shorten(messageId)}' for queue '{function.QueueName}'. {why}");

    private static string Shorten(string value) => value.Length > 60 ? value[..60] : value;
}

public sealed record PoisonQueueList(IReadOnlyList<PoisonQueueView> Queues);

/// <summary>
/// One queue function's poison queue. <see cref="Count"/> is approximate and includes hidden messages;
/// <see cref="Items"/> are the first visible ones (up to 32), front first.
/// </summary>
public sealed record PoisonQueueView(string Queue, string PoisonQueue, string Function, int Count, IReadOnlyList<PoisonMessageView> Items);

/// <summary>A poison message without its text. The failure fields are null when no reason was recorded (under the Functions host).</summary>
public sealed record PoisonMessageView(
    string Id, DateTimeOffset InsertedOn, string? OriginalMessageId, long? DequeueCount, DateTimeOffset? FailedOn, string? LastError)
{
    public static PoisonMessageView Of(PoisonMessage m) =>
        new(m.Id, m.InsertedOn, m.Reason?.OriginalMessageId, m.Reason?.DequeueCount, m.Reason?.FailedOn, m.Reason?.LastError);
}

/// <summary>A poison message with its text.</summary>
public sealed record PoisonMessageDetails(
    string Id, DateTimeOffset InsertedOn, string? OriginalMessageId, long? DequeueCount, DateTimeOffset? FailedOn, string? LastError, string Text)
{
    public static PoisonMessageDetails Of(PoisonMessage m) =>
        new(m.Id, m.InsertedOn, m.Reason?.OriginalMessageId, m.Reason?.DequeueCount, m.Reason?.FailedOn, m.Reason?.LastError, m.Text);
}

/// <summary>A replayed message: its id in the poison queue, and <see cref="MessageId"/>, its new id on <see cref="Queue"/>.</summary>
public sealed record ReplayedPoisonMessage(string Queue, string PoisonMessageId, string MessageId);
