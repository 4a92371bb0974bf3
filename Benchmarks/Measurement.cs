using System.Diagnostics;

namespace Benchmarks;

/// <summary>One measured scenario: throughput, latency percentiles and allocations per operation.</summary>
public sealed record Measurement(string Adapter, string Scenario, int Workers, long Operations, TimeSpan Elapsed, double P50Micros, double P99Micros, double BytesPerOp)
{
    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;

    public string ToMarkdownRow() =>
        $"| {Adapter} | {Scenario} | {Workers} | {Operations:N0} | {OpsPerSecond:N0} | {P50Micros:N1} | {P99Micros:N1} | {BytesPerOp:N0} |";

    public const string MarkdownHeader =
        "| adapter | scenario | workers | operations | ops/s | p50 µs | p99 µs | allocated B/op |\n|---|---|---:|---:|---:|---:|---:|---:|";

    /// <summary>
    /// Runs <paramref name="operation"/> <paramref name="opsPerWorker"/> times on each of
    /// <paramref name="workers"/> concurrent workers, timing each call.
    /// </summary>
    public static async Task<Measurement> RunAsync(string adapter, string scenario, int workers, int opsPerWorker, Func<int, int, ValueTask> operation)
    {
        // Warm up code paths and connections outside the measurement.
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < Math.Min(50, opsPerWorker); i++) await operation(w, opsPerWorker + i);
        })));

        var latencies = new long[workers][];
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new long[opsPerWorker];
            for (var i = 0; i < opsPerWorker; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(w, i);
                mine[i] = Stopwatch.GetTimestamp() - start;
            }
        })));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Micros(double q) => all[(int)Math.Min(all.Length - 1, q * all.Length)] * 1_000_000.0 / Stopwatch.Frequency;
        // The latency arrays themselves are allocated before the clock starts; nothing else is charged.
        return new Measurement(adapter, scenario, workers, all.Length, clock.Elapsed, Micros(0.50), Micros(0.99), (double)allocated / all.Length);
    }
}
