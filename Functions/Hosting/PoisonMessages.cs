using Functions.Storage;

namespace Functions.Hosting;

/// <summary>
/// Moves a message that keeps failing to <c>&lt;queue&gt;-poison</c> (its text unchanged, as the
/// Functions host does) and records why in the <c>PoisonMessages</c> table: function, original
/// id, dequeue count, last error and time. Order matters: copy, record, then delete, so a crash
/// in between leaves a duplicate in the poison queue rather than a lost message.
/// </summary>
public sealed class PoisonMessages(IQueueStore queues, ITableStore tables, TimeProvider time)
{
    public const string Table = "PoisonMessages";
    private const int MaxErrorLength = 2000;

    public async Task MoveAsync(QueueFunction function, QueueMessage message, string popReceipt, string lastError, CancellationToken cancellationToken)
    {
        var copy = await queues.SendAsync(function.PoisonQueueName, message.Text, timeToLive: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        var failedOn = time.GetUtcNow();
        // Oldest first in RowKey order: the failure time, then the poison copy's id.
        var row = new TableEntity(function.PoisonQueueName, $"{failedOn.UtcTicks:D19}-{copy.MessageId}")
        {
            ["PoisonMessageId"] = copy.MessageId,
            ["FunctionName"] = function.Name,
            ["QueueName"] = function.QueueName,
            ["OriginalMessageId"] = message.MessageId,
            ["DequeueCount"] = message.DequeueCount,
            ["LastError"] = lastError.Length > MaxErrorLength ? lastError[..MaxErrorLength] : lastError,
            ["InsertedOn"] = message.InsertedOn,
            ["FailedOn"] = failedOn,
        };
        await tables.UpsertAsync(Table, row, cancellationToken: cancellationToken);
        await queues.DeleteMessageAsync(function.QueueName, message.MessageId, popReceipt, cancellationToken);
    }

    /// <summary>The recorded reasons for messages in one poison queue, oldest first.</summary>
    public Task<IReadOnlyList<TableEntity>> ListAsync(QueueFunction function, CancellationToken cancellationToken) =>
        tables.QueryAllAsync(Table, new TableQuery(function.PoisonQueueName), cancellationToken);

    /// <summary>Describes a failure without message contents: exception types and messages, innermost last.</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().FullName}: {e.Message}");
        }
        return string.Join(" ---> ", parts);
    }
}
