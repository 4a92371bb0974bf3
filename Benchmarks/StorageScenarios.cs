using Functions.Storage;

namespace Benchmarks;

/// <summary>Table point writes and reads, and queue send / receive / delete, against any adapter.</summary>
public static class StorageScenarios
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(string adapter, ITableStore tables, IQueueStore queues, int workers, int tableOpsPerWorker, int queueOpsPerWorker)
    {
        var results = new List<Measurement>();
        var table = "bench" + Guid.NewGuid().ToString("N")[..12];
        await tables.CreateTableIfNotExistsAsync(table);

        // A row shaped like a message row: a few strings, a number, a time.
        TableEntity Row(int worker, int i) => new($"conversation-{worker}", $"{i:D10}")
        {
            ["Direction"] = "outbound",
            ["Type"] = "text",
            ["Status"] = "delivered",
            ["Body"] = "Your order #12345678 is on the way! Carrier: DHL, tracking number 1234.",
            ["Attempts"] = 1,
            ["UpdatedOn"] = DateTimeOffset.UnixEpoch.AddSeconds(i),
        };

        results.Add(await Measurement.RunAsync(adapter, "table upsert (point write)", workers, tableOpsPerWorker,
            async (w, i) => await tables.UpsertAsync(table, Row(w, i))));
        results.Add(await Measurement.RunAsync(adapter, "table get (point read)", workers, tableOpsPerWorker,
            async (w, i) => _ = await tables.GetEntityIfExistsAsync(table, $"conversation-{w}", $"{i:D10}")));

        var queue = "bench-" + Guid.NewGuid().ToString("N")[..12];
        await queues.CreateQueueIfNotExistsAsync(queue);
        const string body = "{\"tenant\":\"demo\",\"messageId\":\"01JD2X7Q3S\",\"kind\":\"send\"}";
        results.Add(await Measurement.RunAsync(adapter, "queue send", workers, queueOpsPerWorker,
            async (_, _) => await queues.SendAsync(queue, body)));

        // One operation = receive one message and delete it (what a trigger does per message).
        results.Add(await Measurement.RunAsync(adapter, "queue receive + delete", workers, queueOpsPerWorker,
            async (_, _) =>
            {
                var batch = await queues.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(5));
                foreach (var m in batch) await queues.DeleteMessageAsync(queue, m.MessageId, m.PopReceipt);
            }));
        return results;
    }
}
