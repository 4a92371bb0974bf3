namespace Functions.Hosting;

/// <summary>
/// Runs a queue or timer function's handler in a DI scope of its own. Both modes go through
/// here: the standalone runners and the custom-handler endpoint, so a handler cannot tell
/// which one called it.
/// </summary>
public sealed class FunctionInvoker(IServiceScopeFactory scopes)
{
    public async Task InvokeQueueAsync(QueueFunction function, QueueInvocation invocation, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = (IQueueFunctionHandler)ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, function.HandlerType);
        await handler.HandleAsync(invocation, cancellationToken);
    }

    public async Task InvokeTimerAsync(TimerFunction function, TimerInvocation invocation, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = (ITimerFunctionHandler)ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, function.HandlerType);
        await handler.RunAsync(invocation, cancellationToken);
    }
}
