using System.Diagnostics;

namespace Benchmarks;

/// <summary>Concurrent clients sending requests as fast as answers come, and the figures a table row shows.</summary>
public static class LoadTest
{
    /// <summary>Each of <paramref name="clients"/> sends <paramref name="perClient"/> requests one after another; latencies from send to the whole answer.</summary>
    public static async Task<(double Rps, double P50, double P99, int Failures)> MeasureAsync(
        HttpClient http, int clients, int perClient, Func<int, int, HttpRequestMessage> request)
    {
        var latencies = new long[clients * perClient];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < perClient; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request(c, i));
                await response.Content.LoadIntoBufferAsync();
                latencies[c * perClient + i] = Stopwatch.GetTimestamp() - start;
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
        })));
        clock.Stop();
        Array.Sort(latencies);
        double Ms(double q) => latencies[(int)Math.Min(latencies.Length - 1, q * latencies.Length)] * 1000.0 / Stopwatch.Frequency;
        return (latencies.Length / clock.Elapsed.TotalSeconds, Ms(0.5), Ms(0.99), failures);
    }

    public static string Row(string what, int clients, (double Rps, double P50, double P99, int Failures) m) =>
        $"| {what} | {clients} | | {m.Rps:N0} req/s | p50 {m.P50:N2} ms | p99 {m.P99:N2} ms | failures {m.Failures} |";
}
