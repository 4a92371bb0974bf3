using Functions.Hosting;
using Functions.Storage;

namespace Functions.Tests.TestSupport;

/// <summary>
/// Plays the Functions host for a queue function in custom-handler mode (where no runner polls):
/// receives the visible messages, invokes the function, deletes what it handled. Lets a test
/// with a manual clock decide exactly when work runs.
/// </summary>
public static class QueueDriver
{
    /// <summary>Handles every message visible now (and those the handling makes visible now); returns how many.</summary>
    public static async Task<int> RunAsync(FunctionsAppFactory app, string functionName)
    {
        var function = (QueueFunction)app.Get<FunctionCatalog>().Find(functionName)!;
        var queues = app.Get<IQueueStore>();
        var invoker = app.Get<FunctionInvoker>();
        var handled = 0;
        while (await queues.ReceiveAsync(function.QueueName, 32, TimeSpan.FromMinutes(5)) is { Count: > 0 } batch)
        {
            foreach (var message in batch)
            {
                await invoker.InvokeQueueAsync(function,
                    new QueueInvocation(function.Name, function.QueueName, message.Text, message.MessageId, message.DequeueCount, message.InsertedOn), default);
                await queues.DeleteMessageAsync(function.QueueName, message.MessageId, message.PopReceipt);
                handled++;
            }
        }
        return handled;
    }
}
