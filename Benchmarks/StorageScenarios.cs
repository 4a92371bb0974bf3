using Functions.Storage;

namespace Benchmarks;

/// <summary>Table point writes and reads, and queue send / receive / delete, against any adapter.</summary>
public sealed record StorageScenarios(string Adapter, ITableStore Tables, IQueueStore Queues, int Workers, int TableOpsPerWorker, int QueueOpsPerWorker, int Repeats, Func<TimeSpan>? ServerCpu = null)
{
    private const string QueueBody = "{\"tenant\":\"demo\",\"messageId\":\"01JD2X7Q3S\",\"kind\":\"send\"}";

    // A row shaped like a message row: a few strings, a number, a time.
    private static TableEntity Row(int worker, int i) => new($"conversation-{worker}", $"{i:D10}")
    {
        ["Direction"] = "outbound",
        ["Type"] = "text",
        ["Status"] = "delivered",
        ["Body"] = "Your order #12345678 is on the way! Carrier: DHL, tracking number 1234.",
        ["Attempts"] = 1,
        ["UpdatedOn"] = DateTimeOffset.UnixEpoch.AddSeconds(i),
    };

    public async Task<IReadOnlyList<Measurement>> RunAsync()
    {
        var results = new List<Measurement>();
        var tables = new string[Repeats];
        for (var r = 0; r < Repeats; r++)
        {
            tables[r] = "bench" + Guid.NewGuid().ToString("N")[..12];
            await Tables.CreateTableIfNotExistsAsync(tables[r]);
        }

        results.Add(await Measure("table insert (new rows)", TableOpsPerWorker,
            r => async (w, i) => await Tables.InsertAsync(tables[r], Row(w, i))));
        results.Add(await Measure("table upsert (replace existing)", TableOpsPerWorker,
            r => async (w, i) => await Tables.UpsertAsync(tables[r], Row(w, i))));
        results.Add(await Measure("table get (point read)", TableOpsPerWorker,
            r => async (w, i) => _ = await Tables.GetEntityIfExistsAsync(tables[r], $"conversation-{w}", $"{i:D10}")
                ?? throw new InvalidOperationException("A row written by the benchmark is missing.")));

        var queues = new string[Repeats];
        for (var r = 0; r < Repeats; r++)
        {
            queues[r] = "bench-" + Guid.NewGuid().ToString("N")[..12];
            await Queues.CreateQueueIfNotExistsAsync(queues[r]);
        }
        results.Add(await Measure("queue send", QueueOpsPerWorker,
            r => async (_, _) => await Queues.SendAsync(queues[r], QueueBody)));
        // One operation = receive one message and delete it (what a trigger does per message).
        results.Add(await Measure("queue receive + delete", QueueOpsPerWorker,
            r => async (_, _) =>
            {
                var batch = await Queues.ReceiveAsync(queues[r], 1, TimeSpan.FromMinutes(5));
                if (batch.Count == 0) throw new InvalidOperationException("A message sent by the benchmark is missing.");
                await Queues.DeleteMessageAsync(queues[r], batch[0].MessageId, batch[0].PopReceipt);
            }));
        return results;
    }

    private Task<Measurement> Measure(string scenario, int opsPerWorker, Func<int, Func<int, int, ValueTask>> prepare) =>
        Measurement.RunMedianAsync(Repeats, Adapter, scenario, Workers, opsPerWorker, prepare, ServerCpu);
}
