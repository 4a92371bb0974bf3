using System.Diagnostics;
using Benchmarks;
using Azure.Core.Pipeline;
using Functions.Storage.AzureStorage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

// Storage benchmark: `dotnet run -c Release --project Benchmarks -- storage [in-memory|azurite|all]`.
// Prints Markdown rows for BENCHMARKS.md. Everything runs on loopback.
// Webhook benchmark: `dotnet run -c Release --project Benchmarks -- webhooks [clients] [requests per client]`.
// Outbound benchmark: `dotnet run -c Release --project Benchmarks -- outbound [clients] [requests per client]`.
// Events benchmark: `dotnet run -c Release --project Benchmarks -- events [clients] [requests per client]`.
var scenario = args.ElementAtOrDefault(0) ?? "storage";
var adapters = args.ElementAtOrDefault(1) ?? "all";
if (scenario == "webhooks")
{
    var clients = int.TryParse(args.ElementAtOrDefault(1), out var c) ? c : 64;
    var perClient = int.TryParse(args.ElementAtOrDefault(2), out var n) ? n : 300;
    Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine("| what | clients | messages | throughput | latency | | |\n|---|---:|---:|---:|---|---|---|");
    foreach (var row in await WebhookScenario.RunAsync(clients, perClient)) Console.WriteLine(row);
    foreach (var row in await WebhookScenario.RunAsync(clients, perClient, processWhileIngesting: false)) Console.WriteLine(row);
    return 0;
}
if (scenario == "outbound")
{
    var clients = int.TryParse(args.ElementAtOrDefault(1), out var c) ? c : 32;
    var perClient = int.TryParse(args.ElementAtOrDefault(2), out var n) ? n : 200;
    Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine("| what | clients | messages | throughput | latency | | |\n|---|---:|---:|---:|---|---|---|");
    foreach (var row in await OutboundScenario.RunAsync(clients, perClient)) Console.WriteLine(row);
    return 0;
}
if (scenario == "events")
{
    var clients = int.TryParse(args.ElementAtOrDefault(1), out var c) ? c : 32;
    var perClient = int.TryParse(args.ElementAtOrDefault(2), out var n) ? n : 100;
    Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine("| what | clients | events | throughput | latency | | |\n|---|---:|---:|---:|---|---|---|");
    foreach (var row in await EventsScenario.RunAsync(clients, perClient)) Console.WriteLine(row);
    return 0;
}
if (scenario == "orders") return await OrdersScenario.MainAsync(args); // `orders [clients] [events per client]`
if (scenario == "inbox") return await InboxScenario.MainAsync(args); // `inbox [in-memory|azurite] [conversations] [messages each] [requests]`
if (scenario != "storage" || adapters is not ("in-memory" or "azurite" or "all"))
{
    Console.Error.WriteLine("usage: Benchmarks storage [in-memory|azurite|all] | Benchmarks webhooks|outbound [clients] [requests per client]");
    return 2;
}

Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine(Measurement.MarkdownHeader);
void Print(IEnumerable<Measurement> rows)
{
    foreach (var r in rows) Console.WriteLine(r.ToMarkdownRow());
}

if (adapters is "in-memory" or "all")
{
    var time = TimeProvider.System;
    Print(await new StorageScenarios("in-memory", new InMemoryTableStore(time), new InMemoryQueueStore(time),
        Workers: Environment.ProcessorCount, TableOpsPerWorker: 250_000, QueueOpsPerWorker: 200_000, Repeats: 3).RunAsync());
}

if (adapters is "azurite" or "all")
{
    await using var azurite = new AzuriteProcess();
    await azurite.StartAsync();
    var tables = new TableStorageClient(azurite.Account);
    var queues = new QueueStorageClient(azurite.Account);
    // One worker shows the cost of a single request and how much of it is ours; eight show what Azurite allows.
    Print(await new StorageScenarios("azurite", tables, queues, Workers: 1, TableOpsPerWorker: 1_000, QueueOpsPerWorker: 500, Repeats: 1,
        ServerCpu: () => azurite.ProcessorTime).RunAsync());
    Print(await new StorageScenarios("azurite", tables, queues, Workers: 8, TableOpsPerWorker: 400, QueueOpsPerWorker: 150, Repeats: 1,
        ServerCpu: () => azurite.ProcessorTime).RunAsync());

    // Our side alone: the same clients and scenarios, answered from Azurite's recorded responses.
    var tableReplay = new ReplayHandler();
    var queueReplay = new ReplayHandler();
    var replayTables = new TableStorageClient(azurite.Account, new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(tableReplay)) });
    var replayQueues = new QueueStorageClient(azurite.Account, new QueueClientOptions { Transport = new HttpClientTransport(new HttpClient(queueReplay)) });
    // Record one real answer per method: create, insert (POST), upsert (PUT), get, send, receive, delete.
    var recordTable = "record" + Guid.NewGuid().ToString("N")[..10];
    await replayTables.CreateTableIfNotExistsAsync(recordTable);
    var row = new Functions.Storage.TableEntity("conversation-0", "0000000001") { ["Status"] = "delivered", ["Attempts"] = 1, ["UpdatedOn"] = DateTimeOffset.UtcNow };
    await replayTables.InsertAsync(recordTable, row);
    await replayTables.UpsertAsync(recordTable, row);
    _ = await replayTables.GetEntityIfExistsAsync(recordTable, "conversation-0", "0000000001");
    await replayQueues.CreateQueueIfNotExistsAsync("record-queue");
    await replayQueues.SendAsync("record-queue", "{\"tenant\":\"demo\"}");
    var received = await replayQueues.ReceiveAsync("record-queue", 1, TimeSpan.FromMinutes(1));
    await replayQueues.DeleteMessageAsync("record-queue", received[0].MessageId, received[0].PopReceipt);
    tableReplay.Replaying = queueReplay.Replaying = true;
    Print(await new StorageScenarios("azure client only (replayed answers)", replayTables, replayQueues, Workers: 1, TableOpsPerWorker: 20_000, QueueOpsPerWorker: 10_000, Repeats: 3).RunAsync());
}

Console.WriteLine($"peak working set of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
return 0;
