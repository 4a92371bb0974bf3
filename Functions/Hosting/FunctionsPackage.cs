using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functions.Hosting;

/// <summary>
/// Writes what the Functions host reads: <c>host.json</c> (custom handler, queue settings,
/// extension bundle) and one <c>&lt;FunctionName&gt;/function.json</c> per catalog entry. Run as
/// <c>Functions package &lt;dir&gt;</c>; the publish target runs it over the published build.
/// </summary>
public static class FunctionsPackage
{
    public const string ExecutableName = "Functions";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>True for <c>package &lt;dir&gt;</c>.</summary>
    public static bool IsPackageCommand(string[] args, out string directory)
    {
        if (args is ["package", var dir] && !string.IsNullOrWhiteSpace(dir))
        {
            directory = Path.GetFullPath(dir);
            return true;
        }
        directory = "";
        return false;
    }

    public static void Write(string directory, FunctionCatalog catalog, QueueRunnerOptions queues)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "host.json"), CreateHostJson(queues).ToJsonString(Indented) + "\n");

        // A function removed from the catalog must not linger in the package.
        var names = catalog.Functions.Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var stale in Directory.EnumerateDirectories(directory)
                     .Where(d => File.Exists(Path.Combine(d, "function.json")) && !names.Contains(Path.GetFileName(d))))
        {
            Directory.Delete(stale, recursive: true);
        }
        foreach (var function in catalog.Functions)
        {
            var folder = Path.Combine(directory, function.Name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "function.json"), CreateFunctionJson(function).ToJsonString(Indented) + "\n");
        }
    }

    public static JsonObject CreateHostJson(QueueRunnerOptions queues) => new()
    {
        ["version"] = "2.0",
        ["extensionBundle"] = new JsonObject
        {
            ["id"] = "Microsoft.Azure.Functions.ExtensionBundle",
            ["version"] = "[4.*, 5.0.0)",
        },
        ["customHandler"] = new JsonObject
        {
            ["description"] = new JsonObject
            {
                ["defaultExecutablePath"] = ExecutableName,
                ["workingDirectory"] = "",
                ["arguments"] = new JsonArray(),
            },
            // HTTP functions reach the app at their own /api/... path, as in standalone mode.
            ["enableForwardingHttpRequest"] = true,
        },
        ["extensions"] = new JsonObject
        {
            ["http"] = new JsonObject { ["routePrefix"] = "api" },
            ["queues"] = new JsonObject
            {
                ["maxDequeueCount"] = queues.MaxDequeueCount,
                ["batchSize"] = queues.BatchSize,
                ["visibilityTimeout"] = queues.VisibilityTimeout.ToString("c", CultureInfo.InvariantCulture),
                ["maxPollingInterval"] = queues.MaxPollingInterval.ToString("c", CultureInfo.InvariantCulture),
                // Our queue client writes Base64 of UTF-8, which is what the trigger decodes.
                ["messageEncoding"] = "base64",
            },
        },
        ["logging"] = new JsonObject
        {
            ["logLevel"] = new JsonObject { ["default"] = "Information" },
        },
    };

    public static JsonObject CreateFunctionJson(FunctionDefinition function) => function switch
    {
        HttpFunction http => Bindings(
            new JsonObject
            {
                ["type"] = "httpTrigger",
                ["direction"] = "in",
                ["name"] = "req",
                // API keys are checked by the app itself, per tenant and role.
                ["authLevel"] = "anonymous",
                ["methods"] = new JsonArray([.. http.Methods.Select(m => JsonValue.Create(m.ToLowerInvariant()))]),
                ["route"] = http.Route,
            },
            new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
        QueueFunction queue => Bindings(new JsonObject
        {
            ["type"] = "queueTrigger",
            ["direction"] = "in",
            ["name"] = CustomHandlerEndpoints.QueueBindingName,
            ["queueName"] = queue.QueueName,
            ["connection"] = Storage.StorageExtensions.ConnectionSetting,
        }),
        TimerFunction timer => Bindings(new JsonObject
        {
            ["type"] = "timerTrigger",
            ["direction"] = "in",
            ["name"] = CustomHandlerEndpoints.TimerBindingName,
            ["schedule"] = timer.Schedule,
            ["runOnStartup"] = timer.RunOnStartup,
        }),
        _ => throw new ArgumentException($"Unknown function kind {function.GetType().Name}.", nameof(function)),
    };

    private static JsonObject Bindings(params JsonObject[] bindings) => new() { ["bindings"] = new JsonArray(bindings) };
}
