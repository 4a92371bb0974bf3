using System.Reflection;
using Functions.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Hosting;

public static class HealthEndpoints
{
    public static FunctionCatalog AddHealthFunctions(this FunctionCatalog catalog) =>
        catalog.AddHttp("Health", "GET", "health", GetHealthAsync);

    /// <summary>Version, hosting mode, storage kind and each queue's depth (and its poison queue's).</summary>
    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealthAsync(
        FunctionCatalog catalog, IQueueStore queues, HostingEnvironment hosting, CancellationToken cancellationToken)
    {
        var depths = new List<QueueDepth>();
        try
        {
            foreach (var function in catalog.QueueFunctions)
            {
                depths.Add(new QueueDepth(
                    function.QueueName,
                    await queues.GetApproximateMessageCountAsync(function.QueueName, cancellationToken),
                    await queues.GetApproximateMessageCountAsync(function.PoisonQueueName, cancellationToken)));
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException)
        {
            // Storage is down or unreachable, however the client reports it (a 5xx, retries exhausted, a time-out).
            return TypedResults.Json(Report("unavailable", queues, hosting, depths), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Ok(Report("ok", queues, hosting, depths));
    }

    private static HealthReport Report(string status, IQueueStore queues, HostingEnvironment hosting, IReadOnlyList<QueueDepth> depths) =>
        new(status, AppVersion, hosting.ModeName, queues.Kind, depths);

    private static string AppVersion { get; } =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

public sealed record HealthReport(string Status, string Version, string Mode, string Storage, IReadOnlyList<QueueDepth> Queues);

public sealed record QueueDepth(string Name, int Messages, int PoisonMessages);
