using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Hosting;

/// <summary>
/// The Functions host's custom-handler protocol for non-HTTP triggers: it POSTs
/// <c>{ "Data": {...}, "Metadata": {...} }</c> to <c>/{FunctionName}</c> and reads
/// <c>{ "Outputs": {...}, "Logs": [...], "ReturnValue": ... }</c>. A non-2xx answer fails the
/// invocation, so the host retries the message and poison-queues it after <c>maxDequeueCount</c>.
/// </summary>
public static class CustomHandlerEndpoints
{
    /// <summary>The trigger binding names written into function.json and read back here.</summary>
    public const string QueueBindingName = "message";
    public const string TimerBindingName = "timer";

    public static IEndpointRouteBuilder MapCustomHandlerInvocations(this IEndpointRouteBuilder app, FunctionCatalog catalog)
    {
        foreach (var function in catalog.QueueFunctions)
        {
            app.MapPost("/" + function.Name, (InvocationRequest request, FunctionInvoker invoker, ILoggerFactory logs, CancellationToken ct) =>
                    InvokeQueueAsync(function, request, invoker, logs, ct))
                .ExcludeFromDescription();
        }
        foreach (var function in catalog.TimerFunctions)
        {
            app.MapPost("/" + function.Name, (InvocationRequest request, FunctionInvoker invoker, TimeProvider time, ILoggerFactory logs, CancellationToken ct) =>
                    InvokeTimerAsync(function, request, invoker, time, logs, ct))
                .ExcludeFromDescription();
        }
        return app;
    }

    public static async Task<Results<Ok<InvocationResponse>, BadRequest<InvocationResponse>, JsonHttpResult<InvocationResponse>>> InvokeQueueAsync(
        QueueFunction function, InvocationRequest request, FunctionInvoker invoker, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        if (Find(request.Data, QueueBindingName) is not { } data)
        {
            return TypedResults.BadRequest(InvocationResponse.Failed($"Data.{QueueBindingName} is missing."));
        }
        var invocation = new QueueInvocation(
            function.Name,
            function.QueueName,
            // The host hands over the decoded message: a JSON string as is, a JSON document as its text.
            data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText(),
            Metadata(request, "Id") ?? "",
            long.TryParse(Metadata(request, "DequeueCount"), CultureInfo.InvariantCulture, out var count) ? count : 1,
            DateTimeOffset.TryParse(Metadata(request, "InsertionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var inserted) ? inserted : null);
        return await RunAsync(function.Name, () => invoker.InvokeQueueAsync(function, invocation, cancellationToken), logs);
    }

    public static async Task<Results<Ok<InvocationResponse>, BadRequest<InvocationResponse>, JsonHttpResult<InvocationResponse>>> InvokeTimerAsync(
        TimerFunction function, InvocationRequest request, FunctionInvoker invoker, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var isPastDue = Find(request.Data, TimerBindingName) is { ValueKind: JsonValueKind.Object } timer
            && timer.EnumerateObject().Any(p => string.Equals(p.Name, "IsPastDue", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.True);
        var invocation = new TimerInvocation(function.Name, time.GetUtcNow(), isPastDue);
        return await RunAsync(function.Name, () => invoker.InvokeTimerAsync(function, invocation, cancellationToken), logs);
    }

    private static async Task<Results<Ok<InvocationResponse>, BadRequest<InvocationResponse>, JsonHttpResult<InvocationResponse>>> RunAsync(
        string functionName, Func<Task> run, ILoggerFactory logs)
    {
        try
        {
            await run();
            return TypedResults.Ok(InvocationResponse.Succeeded());
        }
        catch (Exception ex)
        {
            // The host fails the invocation on any non-2xx and does not read this body, so our own
            // log is the record of why; the body only helps someone calling the endpoint by hand.
            logs.CreateLogger(typeof(CustomHandlerEndpoints)).LogError(ex, "Function {Function} failed", functionName);
            return TypedResults.Json(InvocationResponse.Failed(PoisonMessages.Describe(ex)), statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static string? Metadata(InvocationRequest request, string name) =>
        Find(request.Metadata, name) is { } value
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    // The host writes PascalCase names; match them without regard to case all the same.
    private static JsonElement? Find(Dictionary<string, JsonElement>? values, string name) =>
        values?.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } hit ? hit.Value : null;
}

/// <summary>What the host POSTs for a trigger: binding data by binding name, and trigger metadata.</summary>
public sealed record InvocationRequest(
    [property: JsonPropertyName("Data")] Dictionary<string, JsonElement>? Data,
    [property: JsonPropertyName("Metadata")] Dictionary<string, JsonElement>? Metadata);

/// <summary>What the host reads back. No output bindings are used: functions write through the stores.</summary>
public sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue)
{
    public static InvocationResponse Succeeded() => new([], [], null);

    public static InvocationResponse Failed(string error) => new([], [error], null);
}
