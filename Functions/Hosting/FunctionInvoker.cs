namespace Functions.Hosting;

/// <summary>
/// Runs a queue or timer function's handler in a DI scope of its own. Both modes go through
/// here: the standalone runners and the custom-handler endpoint, so a handler cannot tell
/// which one called it.
/// </summary>
public sealed class FunctionInvoker(IServiceScopeFactory scopes)
{
    public Task InvokeQueueAsync(QueueFunction function, QueueInvocation invocation, CancellationToken cancellationToken) =>
        InvokeAsync<IQueueFunctionHandler>(function.HandlerType, h => h.HandleAsync(invocation, cancellationToken));

    public Task InvokeTimerAsync(TimerFunction function, TimerInvocation invocation, CancellationToken cancellationToken) =>
        InvokeAsync<ITimerFunctionHandler>(function.HandlerType, h => h.RunAsync(invocation, cancellationToken));

    private async Task InvokeAsync<THandler>(Type handlerType, Func<THandler, Task> run)
    {
        await using var scope = scopes.CreateAsyncScope();
        // Handlers need no registration; one built here (not by the container) is ours to dispose.
        var registered = scope.ServiceProvider.GetService(handlerType);
        var handler = registered ?? ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
        try
        {
            await run((THandler)handler);
        }
        finally
        {
            if (registered is null)
            {
                switch (handler)
                {
                    case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
                    case IDisposable disposable: disposable.Dispose(); break;
                }
            }
        }
    }
}
