using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// One measured scenario: throughput, latency percentiles, allocations per operation and, for
/// Azurite, the CPU its own process spent per operation.
/// </summary>
public sealed record Measurement(
    string Adapter, string Scenario, int Workers, long Operations, TimeSpan Elapsed,
    double P50Micros, double P99Micros, double BytesPerOp, double? ServerCpuMicrosPerOp)
{
    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;

    public const string MarkdownHeader =
        "| adapter | scenario | workers | ops | ops/s | p50 µs | p99 µs | alloc B/op | Azurite CPU µs/op |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|---:|";

    public string ToMarkdownRow() =>
        $"| {Adapter} | {Scenario} | {Workers} | {Operations:N0} | {OpsPerSecond:N0} | {P50Micros:N1} | {P99Micros:N1} | {BytesPerOp:N0} | {(ServerCpuMicrosPerOp is { } s ? s.ToString("N1") : "–")} |";

    /// <summary>Runs the scenario <paramref name="repeats"/> times and keeps the run with the median throughput.</summary>
    public static async Task<Measurement> RunMedianAsync(
        int repeats, string adapter, string scenario, int workers, int opsPerWorker,
        Func<int, Func<int, int, ValueTask>> prepare, Func<TimeSpan>? serverCpu = null)
    {
        var runs = new List<Measurement>();
        for (var r = 0; r < repeats; r++)
        {
            runs.Add(await RunAsync(adapter, scenario, workers, opsPerWorker, prepare(r), serverCpu));
        }
        return runs.OrderBy(m => m.OpsPerSecond).ElementAt(runs.Count / 2);
    }

    /// <summary>
    /// Runs <paramref name="operation"/>(worker, i) <paramref name="opsPerWorker"/> times on each of
    /// <paramref name="workers"/> concurrent workers, timing each call.
    /// </summary>
    public static async Task<Measurement> RunAsync(
        string adapter, string scenario, int workers, int opsPerWorker, Func<int, int, ValueTask> operation, Func<TimeSpan>? serverCpu = null)
    {
        // Warm up (JIT, connections) outside the measurement, on indices past the measured ones.
        var warmup = Math.Min(200, Math.Max(1, opsPerWorker / 5));
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < warmup; i++) await operation(w, opsPerWorker + i);
        })));

        var latencies = Enumerable.Range(0, workers).Select(_ => new long[opsPerWorker]).ToArray();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var serverBefore = serverCpu?.Invoke();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w];
            for (var i = 0; i < opsPerWorker; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(w, i);
                mine[i] = Stopwatch.GetTimestamp() - start;
            }
        })));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var server = serverCpu?.Invoke() - serverBefore;

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Micros(double q) => all[(int)Math.Min(all.Length - 1, q * all.Length)] * 1_000_000.0 / Stopwatch.Frequency;
        return new Measurement(adapter, scenario, workers, all.Length, clock.Elapsed, Micros(0.50), Micros(0.99),
            (double)allocated / all.Length, server?.TotalMicroseconds / all.Length);
    }
}
