using System.Text.RegularExpressions;

namespace Functions.Hosting;

/// <summary>
/// Every function of the app, declared once. HTTP routes, the standalone queue and timer
/// runners, the custom-handler dispatch and the Functions package's function.json files are
/// all derived from this list, so they cannot drift apart.
/// </summary>
public sealed partial class FunctionCatalog
{
    /// <summary>First route segments the Functions host keeps for its own APIs (azure-functions-host#1781).</summary>
    public static readonly IReadOnlyList<string> ReservedFirstSegments = ["admin", "runtime"];

    private readonly List<FunctionDefinition> _functions = [];

    public IReadOnlyList<FunctionDefinition> Functions => _functions;

    public IEnumerable<HttpFunction> HttpFunctions => _functions.OfType<HttpFunction>();

    public IEnumerable<QueueFunction> QueueFunctions => _functions.OfType<QueueFunction>();

    public IEnumerable<TimerFunction> TimerFunctions => _functions.OfType<TimerFunction>();

    public FunctionDefinition? Find(string name) =>
        _functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    public FunctionCatalog AddHttp(string name, string methods, string route, Delegate handler, Action<RouteHandlerBuilder>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(methods);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(handler);
        var verbs = methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.ToUpperInvariant()).ToArray();
        if (route.StartsWith('/') || route.StartsWith("api/", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Route '{route}' of function '{name}' must be relative to /api (no leading '/' or 'api/').", nameof(route));
        }
        var first = route.Split('/')[0];
        if (ReservedFirstSegments.Contains(first, StringComparer.OrdinalIgnoreCase))
        {
            // The Functions host refuses such routes ("conflicts with one or more built in routes"),
            // whatever the /api prefix: the function would not exist when deployed.
            throw new ArgumentException($"Route '{route}' of function '{name}' starts with '{first}', which the Functions host reserves for itself.", nameof(route));
        }
        return Add(new HttpFunction(name, route, verbs, handler, configure));
    }

    public FunctionCatalog AddQueue<THandler>(string name, string queueName)
        where THandler : class, IQueueFunctionHandler
    {
        Storage.QueueRules.ValidateQueueName(queueName);
        if (queueName.EndsWith("-poison", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Queue '{queueName}' is a poison queue name; triggers listen on the main queue.", nameof(queueName));
        }
        if (QueueFunctions.Any(q => q.QueueName == queueName))
        {
            throw new ArgumentException($"Queue '{queueName}' already has a function; one function per queue.", nameof(queueName));
        }
        return Add(new QueueFunction(name, queueName, typeof(THandler)));
    }

    public FunctionCatalog AddTimer<THandler>(string name, string schedule, bool runOnStartup = false)
        where THandler : class, ITimerFunctionHandler
    {
        CronSchedule.Parse(schedule); // fail at start-up, not at the first tick
        return Add(new TimerFunction(name, schedule, typeof(THandler), runOnStartup));
    }

    private FunctionCatalog Add(FunctionDefinition function)
    {
        // The Functions host's rule for function (folder) names.
        if (!FunctionNamePattern().IsMatch(function.Name))
        {
            throw new ArgumentException($"Function name '{function.Name}' is invalid: a letter, then letters, digits, '_' or '-', at most 128.");
        }
        if (Find(function.Name) is not null)
        {
            throw new ArgumentException($"Function '{function.Name}' is declared twice.");
        }
        _functions.Add(function);
        return this;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionNamePattern();
}
