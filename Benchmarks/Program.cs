using System.Diagnostics;
using Benchmarks;
using Functions.Storage.InMemory;

// Storage benchmark: `dotnet run -c Release --project Benchmarks -- storage [in-memory|azurite|all]`.
// Prints a Markdown table for BENCHMARKS.md.
var scenario = args.ElementAtOrDefault(0) ?? "storage";
var adapters = args.ElementAtOrDefault(1) ?? "all";
if (scenario != "storage")
{
    Console.Error.WriteLine("usage: Benchmarks storage [in-memory|azurite|all]");
    return 2;
}

var results = new List<Measurement>();
if (adapters is "in-memory" or "all")
{
    var time = TimeProvider.System;
    results.AddRange(await StorageScenarios.RunAsync("in-memory", new InMemoryTableStore(time), new InMemoryQueueStore(time),
        workers: Environment.ProcessorCount, tableOpsPerWorker: 500_000, queueOpsPerWorker: 200_000));
}

Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine(Measurement.MarkdownHeader);
foreach (var r in results) Console.WriteLine(r.ToMarkdownRow());
Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
return 0;
