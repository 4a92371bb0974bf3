namespace Functions.Hosting;

/// <summary>One function of the app: its name (the folder name in the Functions package) and its trigger.</summary>
public abstract record FunctionDefinition(string Name);

/// <summary>
/// An HTTP function. <paramref name="Route"/> is relative to <c>/api</c> and uses the route
/// syntax ASP.NET Core and the Functions host share (<c>conversations/{id}</c>).
/// </summary>
public sealed record HttpFunction(
    string Name,
    string Route,
    IReadOnlyList<string> Methods,
    Delegate Handler,
    Action<RouteHandlerBuilder>? ConfigureEndpoint = null) : FunctionDefinition(Name);

/// <summary>A queue function: <see cref="HandlerType"/> (an <see cref="IQueueFunctionHandler"/>) runs once per message.</summary>
public sealed record QueueFunction(string Name, string QueueName, Type HandlerType) : FunctionDefinition(Name)
{
    /// <summary>Where messages go after too many failed attempts (the Functions host's own naming).</summary>
    public string PoisonQueueName => QueueName + "-poison";
}

/// <summary>
/// A timer function on a 6-field NCRONTAB schedule (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, UTC),
/// as the Functions host's timer trigger reads it.
/// </summary>
public sealed record TimerFunction(string Name, string Schedule, Type HandlerType, bool RunOnStartup = false) : FunctionDefinition(Name);

/// <summary>Handles one queue message. Must be idempotent: a message can be delivered more than once.</summary>
public interface IQueueFunctionHandler
{
    /// <summary>Throw to fail the attempt: the message reappears, and after too many attempts goes to the poison queue.</summary>
    Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>One delivery of a queue message, the same in standalone and custom-handler mode.</summary>
public sealed record QueueInvocation(
    string FunctionName,
    string QueueName,
    string MessageText,
    string MessageId,
    long DequeueCount,
    DateTimeOffset? InsertedOn);

/// <summary>Runs one timer occurrence. Must tolerate a missed or repeated occurrence.</summary>
public interface ITimerFunctionHandler
{
    Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>One timer occurrence: when it was due, and whether it is running late (past due).</summary>
public sealed record TimerInvocation(string FunctionName, DateTimeOffset ScheduledFor, bool IsPastDue);
